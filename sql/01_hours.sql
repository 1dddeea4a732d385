-- permitlint monitoring checks in standard SQL (docs/scale.md).
-- Input: the tables `permitlint monitor --export-limits DIR` writes,
-- registered as `limits`, `coverage` and `readings` (sql/run_duckdb.py for
-- DuckDB; docs/scale.md for Spark SQL and DataFusion). Run 01 to 05 in order.
--
-- hours: the valid hourly values of every series (unit, outlet, pollutant
-- with a limit in the permit), one per hour: when the data holds the same
-- hour twice, the first in file and line order counts. Valid: data flag N
-- (normal) or T (over the analyser's range, still a measured value); every
-- other flag (F, M, S, D, C, B, ...) excludes the hour.
-- `compared` is the value concentration limits are compared with: corrected
-- to the row's reference O2, C = C_measured * (21 - O2_ref) / (21 - O2),
-- when the permit states a reference O2 and the hour has O2 in [0, 21);
-- else the corrected value the data states; else the measured value.
-- `flow` (m3/h) is the hour's flue-gas or water flow, for annual totals.
CREATE VIEW series AS
SELECT DISTINCT credit_code, outlet, pollutant, reference_o2
FROM limits;

CREATE VIEW hours AS
WITH ranked AS (
  SELECT r.credit_code, r.outlet, r.pollutant, r.measured_at, r.measured,
         r.corrected, r.flag, r.o2, r.flow, r.file, r.line,
         ROW_NUMBER() OVER (
           PARTITION BY r.credit_code, r.outlet, r.pollutant, r.measured_at
           ORDER BY r.file, r.line) AS nth
  FROM readings r
  WHERE r.averaging = 'hour'
)
SELECT h.credit_code, h.outlet, h.pollutant, h.measured_at,
       CAST(h.measured_at AS DATE) AS reading_day,
       h.measured,
       CASE
         WHEN s.reference_o2 IS NULL THEN h.measured
         WHEN h.o2 >= 0 AND h.o2 < 21
           THEN h.measured * (21 - s.reference_o2) / (21 - h.o2)
         WHEN h.corrected IS NOT NULL THEN h.corrected
         ELSE h.measured
       END AS compared,
       h.flag, h.flow, h.file, h.line
FROM ranked h
JOIN series s
  ON s.credit_code = h.credit_code AND s.outlet = h.outlet
 AND s.pollutant = h.pollutant
WHERE h.nth = 1 AND h.flag IN ('N', 'T');
