//! `permitlint import`: the platform's tables (fixtures written in the
//! platform's layout under `tests/fixtures/import/`) into `permit/v2`, and
//! back from a finding of `check` to the cell it came from.

use assert_cmd::Command;
use permitlint::import::{self, Imported, Level};
use std::path::{Path, PathBuf};

const FIXTURES: &str = "tests/fixtures/import";

fn bin() -> Command {
    let mut c = Command::cargo_bin("permitlint").unwrap();
    c.env("NO_COLOR", "1");
    c
}

fn pages(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(Path::new(FIXTURES).join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn import_dir(dir: &str) -> Imported {
    let pages: Vec<_> = pages(dir)
        .iter()
        .map(|p| import::read_page(p).unwrap())
        .collect();
    import::import(&pages)
}

/// Check a YAML text with the binary; the JSON findings.
fn check_yaml(yaml: &str) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("imported.yaml");
    std::fs::write(&path, yaml).unwrap();
    let out = bin()
        .args(["check", "--as-of", "2026-12-01", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["findings"].as_array().unwrap().clone()
}

/// The YAML line (1-based) a finding points at.
fn line_of<'a>(yaml: &'a str, finding: &serde_json::Value) -> &'a str {
    let n = finding["line"].as_u64().unwrap() as usize;
    yaml.lines().nth(n - 1).unwrap()
}

fn find<'a>(findings: &'a [serde_json::Value], rule: &str, path: &str) -> &'a serde_json::Value {
    findings
        .iter()
        .find(|f| f["rule"] == rule && f["path"] == path)
        .unwrap_or_else(|| panic!("no {rule} at {path} in {findings:#?}"))
}

#[test]
fn a_finding_on_an_imported_permit_names_the_source_cell() {
    let imported = import_dir("thermal-power");
    let findings = check_yaml(&imported.yaml);

    // The plant SO2 total (400 t/a) is below the two main outlets' sum.
    let f = find(&findings, "air.hj942.totals", "air.totals[1].annual");
    let line = line_of(&imported.yaml, f);
    assert!(line.trim_start().starts_with("annual: 400.0 t/a"), "{line}");
    assert!(
        line.contains(
            "# 来源: air.html 表「大气污染物排放信息-全厂有组织排放总计」第2行「许可年排放量限值(t/a) 第一年」"
        ),
        "{line}"
    );

    // A loader notice on a standard points at the standards table's cell.
    let f = find(
        &findings,
        "document.standard-spelling",
        "air.outlets[0].standard",
    );
    let line = line_of(&imported.yaml, f);
    assert!(
        line.contains("表「大气污染物排放信息-大气污染物排放执行标准表」第1行「国家或地方污染物排放标准 名称」"),
        "{line}"
    );

    // No value the importer wrote is malformed for the loader.
    for f in &findings {
        let rule = f["rule"].as_str().unwrap();
        assert!(
            !matches!(
                rule,
                "document.yaml"
                    | "document.wrong-type"
                    | "document.unit"
                    | "document.enum"
                    | "document.date"
            ),
            "{f:#?}"
        );
    }
}

#[test]
fn csv_with_bom_round_trips_to_the_cell_of_an_unknown_pollutant() {
    let bytes = std::fs::read(Path::new(FIXTURES).join("chemical/air.csv")).unwrap();
    assert!(
        bytes.starts_with(&[0xef, 0xbb, 0xbf]),
        "the fixture has a BOM"
    );
    let imported = import_dir("chemical");
    assert!(!imported.yaml.contains('\u{feff}'));
    let findings = check_yaml(&imported.yaml);
    let f = find(
        &findings,
        "document.unknown-pollutant",
        "air.outlets[2].pollutants[1].pollutant",
    );
    let line = line_of(&imported.yaml, f);
    assert!(line.contains("pollutant: 甲苯与二甲苯合计"), "{line}");
    assert!(
        line.contains("# 来源: air.csv 表「air-一般排放口」第9行「污染物种类」"),
        "{line}"
    );
    // The odour figure and the Ringelmann grade are limits with their units.
    assert!(imported.yaml.contains(
        "limit: 2000 无量纲  # 来源: air.csv 表「air-一般排放口」第5行「许可排放小时浓度限值」"
    ));
    assert!(
        imported
            .yaml
            .contains("limit: 1 级  # 来源: air.csv 表「air-一般排放口」第4行")
    );
    // 污染物类型 written once for two rows (a merged cell saved as CSV).
    assert!(imported.yaml.contains("requirement: 一般排放口 挥发性有机物：许可排放时段 红色预警期间；许可排放浓度限值(mg/Nm³) 50"));
    // The two-row CSV header: `第一年` under the merged `许可年排放量限值(t/a)`.
    assert!(
        !imported
            .notes
            .iter()
            .any(|n| n.code == "import.unknown-column"),
        "{:#?}",
        imported.notes
    );
}

#[test]
fn water_pages_round_trip() {
    let imported = import_dir("wwtp");
    let y = &imported.yaml;
    assert!(y.contains("discharge: direct"));
    assert!(y.contains("receiving_class: IV"));
    assert!(y.contains("range: 6-9  # 来源: water.html 表「水污染物排放信息-主要排放口」第5行"));
    let findings = check_yaml(y);
    let f = find(
        &findings,
        "document.standard-spelling",
        "water.outlets[0].standard",
    );
    assert!(line_of(y, f).contains("表「水污染物排放信息-废水污染物排放执行标准表」第1行"));
    let f = find(
        &findings,
        "monitoring.hj819.coverage",
        "water.outlets[0].pollutants[0]",
    );
    assert!(line_of(y, f).contains("pollutant: 化学需氧量  # 来源: water.html 表「水污染物排放信息-主要排放口」第1行「污染物种类」"));
}

#[test]
fn platform_columns_map_to_v2_fields() {
    let y = import_dir("thermal-power").yaml;
    // Hourly → concentration; a daily cell holding only the unit is not set.
    assert!(y.contains("concentration: 100 mg/Nm3  # 来源: air.html 表「大气污染物排放信息-主要排放口」第8行「许可排放小时浓度限值」"));
    assert!(!y.contains("daily:"));
    // Committed: a bare number takes the row's concentration unit.
    assert!(y.contains("committed: 50 mg/Nm3  # 来源: air.html 表「大气污染物排放信息-主要排放口」第8行「承诺更加严格排放浓度限值」"));
    // Years one to five, annual = the first.
    assert!(y.contains("annual: 312.0 t/a  # 来源: air.html 表「大气污染物排放信息-主要排放口」第8行「许可年排放量限值(t/a) 第一年」"));
    assert!(y.contains("- 312.0 t/a  # 来源: air.html 表「大气污染物排放信息-主要排放口」第8行「许可年排放量限值(t/a) 第五年」"));
    // Outlet type from the section; height and diameter from the basic table.
    assert!(y.contains("type: general  # 来源: air.html 表「大气污染物排放信息-一般排放口」第1行"));
    assert!(y.contains("height: 210 m"));
    // Special situations: rows with values become special periods naming the
    // outlets of their group (a rowspan cell); all-`/` rows are not set.
    assert!(y.contains("applies_to: [DA001, DA002]"));
    assert!(y.contains(
        "requirement: 主要排放口 SO2：许可排放时段 橙色及以上预警期间；许可日排放量限值(kg/d) 980"
    ));
    assert_eq!(y.matches("- name: 重污染天气应对要求").count(), 3);
    assert!(!y.contains("环境质量限期达标规划要求  #"));
    // Required fields the pages do not hold are placeholders, never invented.
    assert!(y.contains("# 未导入: products（主要产品及产能）"));
    assert!(y.contains("# 未导入: sources（对应产污设施）"));
    // Sum rows with values are reported, not imported.
    let imported = import_dir("thermal-power");
    assert_eq!(
        imported
            .notes
            .iter()
            .filter(|n| n.message.contains("合计行"))
            .count(),
        3
    );
}

#[test]
fn unknown_columns_bad_cells_and_rows_without_id_are_reported() {
    let imported = import_dir("defects");
    let notes = &imported.notes;
    let has = |code: &str, at: &str, msg: &str| {
        notes.iter().any(|n| {
            n.code == code
                && n.at.contains(at)
                && n.message.contains(msg)
                && n.level == Level::Warning
        })
    };
    assert!(
        has(
            "import.unknown-column",
            "表「大气污染物排放信息-主要排放口」",
            "监测方法"
        ),
        "{notes:#?}"
    );
    assert!(
        has(
            "import.bad-value",
            "表「大气污染物排放信息-主要排放口」第2行「许可排放小时浓度限值」",
            "约50"
        ),
        "{notes:#?}"
    );
    assert!(
        has("import.no-outlet-id", "第4行", "2号窑尾排气筒"),
        "{notes:#?}"
    );
    assert!(
        has("import.unknown-table", "许可证变更记录", "变更日期"),
        "{notes:#?}"
    );
    // Each note is also in the document, as a comment.
    for n in notes {
        let prefix = if n.level == Level::Warning {
            "未导入"
        } else {
            "注"
        };
        assert!(imported.yaml.contains(&format!("# {prefix}: {n}")), "{n}");
    }
    // The rest of the row with the bad cell is imported; the cell is not.
    let y = &imported.yaml;
    assert!(y.contains(
        "pollutant: 二氧化硫  # 来源: air.html 表「大气污染物排放信息-主要排放口」第2行"
    ));
    assert!(y.contains("annual: 43.2 t/a"));
    assert!(!y.contains("约50 "));
}

#[test]
fn rowspan_cells_fill_every_row_they_cover() {
    let y = import_dir("defects").yaml;
    // DA001 and its name span three rows: three pollutants under one outlet.
    assert_eq!(y.matches("- id: DA001").count(), 1);
    let da001 = y.split("- id: DA001").nth(1).unwrap();
    for p in ["颗粒物", "二氧化硫", "氮氧化物"] {
        assert!(da001.contains(&format!("- pollutant: {p}")), "{p}");
    }
    assert!(da001.contains("第3行「污染物种类」"));
}

#[test]
fn a_gbk_csv_gets_a_clear_error() {
    let path = Path::new(FIXTURES).join("encoding/air-gbk.csv");
    let e = import::read_page(&path).err().unwrap();
    assert!(
        e.contains("not UTF-8") && e.contains("GBK") && e.contains("CSV UTF-8"),
        "{e}"
    );
    let out = bin().arg("import").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("GBK"));
}

#[test]
fn cli_writes_one_file_per_folder_and_lists_notes() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .arg("import")
        .arg(Path::new(FIXTURES).join("thermal-power"))
        .arg(Path::new(FIXTURES).join("wwtp"))
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning[import.not-imported]"), "{stderr}");
    for name in ["thermal-power.yaml", "wwtp.yaml"] {
        let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert!(text.contains("format: permit/v2"));
    }
    // Two permits and no --out: refused rather than concatenated.
    let out = bin()
        .arg("import")
        .arg(Path::new(FIXTURES).join("thermal-power"))
        .arg(Path::new(FIXTURES).join("wwtp"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn every_imported_value_names_its_cell() {
    for dir in ["cement", "chemical", "defects", "thermal-power", "wwtp"] {
        let y = import_dir(dir).yaml;
        let mut values = 0;
        for line in y.lines() {
            let t = line.trim_start();
            if t.is_empty() || t.starts_with('#') || t == "format: permit/v2" {
                continue;
            }
            let code = t.split("  #").next().unwrap_or(t);
            if code.ends_with(':') {
                continue; // a mapping or list opens here
            }
            values += 1;
            assert!(
                t.contains("  # 来源: "),
                "{dir}: a value without its source: {line}"
            );
        }
        assert!(values > 10, "{dir}: only {values} values imported");
    }
}

#[test]
fn units_are_completed_by_stated_rules_or_the_cell_is_reported() {
    let html = "<title>水污染物排放信息</title><p>(1)主要排放口</p><table>\
        <tr><th>排放口编号</th><th>排放口名称</th><th>污染物种类</th><th>许可排放浓度限值</th></tr>\
        <tr><td>DW001</td><td>总排口</td><td>化学需氧量</td><td>50</td></tr>\
        <tr><td>DW001</td><td>总排口</td><td>粪大肠菌群数</td><td>1000个/L</td></tr></table>\
        <p>废水污染物排放执行标准表</p><table>\
        <tr><th>排放口编号</th><th>污染物种类</th><th>执行标准名称</th></tr>\
        <tr><td>DW001</td><td>化学需氧量</td><td>GB 8978-1996 三级</td></tr>\
        <tr><td>DW001</td><td>氨氮</td><td>GB/T 31962-2015</td></tr></table>";
    let page = import::page_from_html("w.html", "w", html);
    let imported = import::import(&[page]);
    let y = &imported.yaml;
    // No unit anywhere: the medium's usual unit, said twice.
    assert!(y.contains("concentration: 50 mg/L  # 来源: w.html 表「水污染物排放信息-主要排放口」第1行「许可排放浓度限值」（单位「mg/L」为推定）"), "{y}");
    let n = imported
        .notes
        .iter()
        .find(|n| n.code == "import.assumed-unit")
        .unwrap();
    assert_eq!(n.level, Level::Note);
    assert!(y.contains(&format!("# 注: {n}")));
    // A unit the format does not know: reported, the value not imported.
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.code == "import.bad-value" && n.message.contains("1000个/L"))
    );
    assert!(!y.contains("1000个/L  #"));
    // Two standards on one outlet: the first is the outlet's; the second
    // names a pollutant with no limit row here, so it is reported.
    assert!(y.contains("standard: GB 8978-1996 三级"));
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.code == "import.not-imported"
                && n.message.contains("GB/T 31962-2015")
                && n.message.contains("氨氮"))
    );
}

#[test]
fn a_pollutant_under_another_standard_keeps_it_on_its_row() {
    let html = "<title>水污染物排放信息</title><p>(1)主要排放口</p><table>\
        <tr><th>排放口编号</th><th>排放口名称</th><th>污染物种类</th><th>许可排放浓度限值</th></tr>\
        <tr><td>DW001</td><td>总排口</td><td>化学需氧量</td><td>500 mg/L</td></tr>\
        <tr><td>DW001</td><td>总排口</td><td>氨氮（NH3-N）</td><td>45 mg/L</td></tr></table>\
        <p>废水污染物排放执行标准表</p><table>\
        <tr><th>排放口编号</th><th>污染物种类</th><th>执行标准名称</th></tr>\
        <tr><td>DW001</td><td>化学需氧量</td><td>GB 8978-1996 三级</td></tr>\
        <tr><td>DW001</td><td>氨氮</td><td>GB/T 31962-2015</td></tr></table>";
    let page = import::page_from_html("w.html", "w", html);
    let imported = import::import(&[page]);
    let y = &imported.yaml;
    assert!(
        !imported.notes.iter().any(|n| n.code == "import.conflict"),
        "{:?}",
        imported.notes
    );
    // The outlet keeps the first standard; the ammonia row carries its own,
    // after its limit, with the cell it came from.
    let nh3 = y.find("45 mg/L").expect("the ammonia limit");
    let row_std = y[nh3..]
        .find("standard: GB/T 31962-2015  # 来源: w.html 表「水污染物排放信息-废水污染物排放执行标准表」第2行")
        .map(|i| i + nh3);
    assert!(row_std.is_some(), "{y}");
    assert_eq!(y.matches("standard: GB 8978-1996 三级").count(), 1, "{y}");
    // The document loads, and the loader reads the row standard as a standard.
    let loaded = permitlint::permit::load(
        permitlint::span::SourceFile::new("imported.yaml", y),
        &permitlint::permit::Limits::default(),
    );
    assert!(
        !loaded
            .findings
            .iter()
            .any(|f| f.rule.starts_with("document.standard") || f.rule == "document.yaml"),
        "{:?}",
        loaded
            .findings
            .iter()
            .map(|f| (&f.rule, &f.message))
            .collect::<Vec<_>>()
    );
}

#[test]
fn import_is_deterministic() {
    let a = import_dir("thermal-power").yaml;
    let b = import_dir("thermal-power").yaml;
    assert_eq!(a, b);
}

mod hostile {
    use permitlint::import::{self, Page};
    use permitlint::permit::{self, Limits};
    use permitlint::span::SourceFile;
    use proptest::prelude::*;

    /// Pieces of pages: tags, headers the importer knows, and cell texts
    /// that need quoting in YAML or are not values at all.
    const PIECES: &[&str] = &[
        "<table>",
        "</table>",
        "<tr>",
        "</tr>",
        "<td>",
        "</td>",
        "<th rowspan=2>",
        "<td colspan=\"3\">",
        "<td rowspan=3>",
        "<p>",
        "</p>",
        "<br>",
        "<caption>",
        "(1)主要排放口",
        "(2)一般排放口",
        "重污染天气应对要求",
        "排放口编号",
        "排放口名称",
        "污染物种类",
        "污染物类型",
        "许可排放时段",
        "许可排放小时浓度限值",
        "许可排放日均浓度限值",
        "许可排放速率限值(kg/h)",
        "许可年排放量限值(t/a)",
        "第一年",
        "第二年",
        "承诺更加严格排放浓度限值",
        "排气筒高度(m)",
        "经度",
        "执行标准 名称",
        "全厂有组织排放总计",
        "主要排放口合计",
        "DA001",
        "DW001",
        "二氧化硫",
        "臭气浓度",
        "林格曼黑度",
        "pH值",
        "150mg/Nm3",
        "mg/Nm3",
        "1级",
        "6-9",
        "1000",
        "/",
        "—",
        "a: b",
        "#x",
        "- y",
        "\"q\"",
        "true",
        "640100",
        "x'y",
        "[z]",
        "{w}",
        "|",
        ">",
        "&amp;",
        "&#0;",
        "&#x2028;",
        "\u{1}",
        "\u{feff}",
        "单位名称",
        "统一社会信用代码",
        "有效期限",
        "2020年1月1日至2025年1月1日",
        "行业类别",
        "D4411",
        "是",
        "\t",
        " ",
    ];

    fn page() -> impl Strategy<Value = Vec<usize>> {
        proptest::collection::vec(0..PIECES.len(), 0..120)
    }

    fn loads_as_yaml(yaml: &str) -> Result<(), TestCaseError> {
        let loaded = permit::load(SourceFile::new("imported.yaml", yaml), &Limits::default());
        for f in &loaded.findings {
            prop_assert!(
                f.rule != "document.yaml" && f.rule != "document.format",
                "{}: {}\n{yaml}",
                f.rule,
                f.message
            );
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(crate::common::proptest_config(200))]

        /// Any page of the pieces above imports without a panic into a
        /// document the loader reads as YAML.
        #[test]
        fn html_pages_import_into_readable_yaml(ix in page()) {
            let html: String = ix.iter().map(|&i| PIECES[i]).collect();
            let p = import::page_from_html("p.html", "p", &html);
            loads_as_yaml(&import::import(&[p]).yaml)?;
        }

        /// Tables shaped like the platform's (a title, a header, rows), with
        /// any of the pieces in any cell.
        #[test]
        fn html_tables_import_into_readable_yaml(
            title in 0..PIECES.len(),
            rows in proptest::collection::vec(proptest::collection::vec((0..PIECES.len(), 0..4u8), 1..8), 1..8),
        ) {
            let header = "<tr><th>排放口编号</th><th>排放口名称</th><th>污染物种类</th><th>许可排放小时浓度限值</th>\
                          <th>许可排放速率限值(kg/h)</th><th>许可年排放量限值(t/a) 第一年</th><th>排气筒高度(m)</th></tr>";
            let mut html = format!("<p>(1)主要排放口 {}</p><table>{header}", PIECES[title]);
            for row in &rows {
                html.push_str("<tr>");
                for &(i, span) in row {
                    let attr = match span { 0 => "", 1 => " rowspan=2", 2 => " colspan=2", _ => "" };
                    html.push_str(&format!("<td{attr}>{}</td>", PIECES[i]));
                }
                html.push_str("</tr>");
            }
            html.push_str("</table>");
            let p = import::page_from_html("p.html", "p", &html);
            loads_as_yaml(&import::import(&[p]).yaml)?;
        }

        #[test]
        fn csv_files_import_into_readable_yaml(ix in page(), seps in proptest::collection::vec(0..3u8, 120)) {
            let mut csv = String::new();
            for (k, &i) in ix.iter().enumerate() {
                csv.push_str(PIECES[i]);
                csv.push(match seps[k] { 0 => ',', 1 => '\n', _ => '"' });
            }
            let p = Page {
                file: "p.csv".into(),
                name: "air".into(),
                tables: import::csv::tables(&csv, "air"),
            };
            loads_as_yaml(&import::import(&[p]).yaml)?;
        }
    }
}
