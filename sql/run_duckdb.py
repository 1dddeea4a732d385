#!/usr/bin/env python3
"""Run permitlint's SQL checks (sql/01_*.sql to 05_*.sql) on DuckDB over the
tables `permitlint monitor --export-limits DIR` wrote, and print the leads
and the annual totals above their limit.

    python3 sql/run_duckdb.py DIR [--format json|csv]

JSON: `{"engine", "leads": [...], "annual_exceedances": [...]}`; CSV: the
leads only.

Needs the `duckdb` Python package (`pip install duckdb`). The tables are
registered here (the only DuckDB-specific part); the checks are the
standard SQL files beside this script. CSV or Parquet is chosen by what DIR
holds.
"""

import csv
import json
import pathlib
import sys

LIMIT_COLUMNS = {
    "credit_code": "VARCHAR", "unit_name": "VARCHAR", "region": "VARCHAR",
    "outlet": "VARCHAR", "medium": "VARCHAR", "pollutant": "VARCHAR",
    "pollutant_zh": "VARCHAR", "hj212": "VARCHAR", "field": "VARCHAR",
    "averaging": "VARCHAR", "bound": "VARCHAR", "limit_value": "DOUBLE",
    "unit_of_measure": "VARCHAR", "written": "VARCHAR", "reference_o2": "DOUBLE",
    "year_from": "DATE", "year_to": "DATE", "basis": "VARCHAR",
    "permit": "VARCHAR", "line": "INTEGER",
}
READING_COLUMNS = {
    "credit_code": "VARCHAR", "outlet": "VARCHAR", "pollutant": "VARCHAR",
    "averaging": "VARCHAR", "measured_at": "TIMESTAMP", "measured": "DOUBLE",
    "corrected": "DOUBLE", "flag": "VARCHAR", "o2": "DOUBLE", "flow": "DOUBLE",
    "file": "VARCHAR", "line": "INTEGER",
}
COVERAGE_COLUMNS = {
    "credit_code": "VARCHAR", "period": "VARCHAR", "covered_from": "TIMESTAMP",
    "covered_to": "TIMESTAMP", "expected_hours": "BIGINT",
}
PARTITIONS = "{'province': 'VARCHAR', 'unit': 'VARCHAR', 'month': 'VARCHAR'}"


def struct(columns):
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"


def quote(path):
    return "'" + str(path).replace("'", "''") + "'"


def register(con, root):
    root = pathlib.Path(root)
    parquet = any(root.glob("limits/*/*/part-*.parquet"))
    ext = "parquet" if parquet else "csv"
    tables = (
        ("limits", LIMIT_COLUMNS, 2),
        ("coverage", COVERAGE_COLUMNS, 3),
        ("readings", READING_COLUMNS, 3),
    )
    for name, columns, depth in tables:
        files = root / name / "/".join(["*"] * depth) / f"*.{ext}"
        hive = PARTITIONS if depth == 3 else "{'province': 'VARCHAR', 'unit': 'VARCHAR'}"
        if not any(root.glob(f"{name}/{'/'.join(['*'] * depth)}/part-*.{ext}")):
            # Nothing exported: an empty table with the same columns.
            cols = ", ".join(f"CAST(NULL AS {t}) AS {k}" for k, t in columns.items())
            con.execute(f"CREATE VIEW {name} AS SELECT {cols} WHERE 1 = 0")
        elif parquet:
            con.execute(
                f"CREATE VIEW {name} AS SELECT * FROM read_parquet({quote(files)}, "
                f"hive_partitioning = true, hive_types = {hive})"
            )
        else:
            con.execute(
                f"CREATE VIEW {name} AS SELECT * FROM read_csv({quote(files)}, header = true, "
                f"columns = {struct(columns)}, hive_partitioning = true, hive_types = {hive})"
            )


def main(argv):
    import duckdb

    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    fmt = "json"
    if "--format" in argv:
        at = argv.index("--format") + 1
        fmt = argv[at] if at < len(argv) else ""
    if fmt not in ("json", "csv"):
        print("--format is json or csv", file=sys.stderr)
        return 2
    con = duckdb.connect()
    register(con, argv[1])
    here = pathlib.Path(__file__).resolve().parent
    for script in sorted(here.glob("0[1-9]_*.sql")):
        con.execute(script.read_text(encoding="utf-8"))
    names, rows = query(
        con, "SELECT * FROM leads ORDER BY credit_code, outlet, pollutant, period"
    )
    if fmt == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=names, lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)
        return 0
    _, annual = query(
        con,
        "SELECT * FROM annual_exceedances "
        "ORDER BY credit_code, outlet, pollutant, year_start",
    )
    doc = {"engine": f"duckdb {duckdb.__version__}", "leads": rows, "annual_exceedances": annual}
    json.dump(doc, sys.stdout, ensure_ascii=False, indent=2, default=str)
    print()
    return 0


def query(con, sql):
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return names, [dict(zip(names, r)) for r in cur.fetchall()]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
