use super::spill::LineCounter;
use super::*;

#[test]
fn partition_values_are_path_safe() {
    assert_eq!(partition_value("91320412MA1MX3RT62"), "91320412MA1MX3RT62");
    assert_eq!(partition_value("a/b c"), "a%2Fb%20c");
    assert_eq!(partition_value(".."), "%2E%2E");
    assert_eq!(partition_value(""), "__HIVE_DEFAULT_PARTITION__");
    assert_eq!(province("320412"), "32");
    assert_eq!(province("x"), "unknown");
}

#[test]
fn csv_is_rfc_4180() {
    assert_eq!(csv_cell("苏州,一厂"), "\"苏州,一厂\"");
    assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv_cell("=1+1"), "=1+1");
    let t = csv_table(&["a", "b"], [vec!["1".into(), "x\ny".into()]].into_iter());
    assert_eq!(t, "a,b\r\n1,\"x\ny\"\r\n");
}

/// The fixture's permit and data files, as the command reads them.
fn fixture() -> (Vec<PermitLimits>, Vec<DataFile>, FxHashMap<String, Device>) {
    use crate::span::SourceFile;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/monitor");
    let loaded = crate::permit::load_path(&dir.join("chp-v2.yaml"), &Default::default());
    let permits = vec![super::super::permit::limits(&loaded.permit.unwrap())];
    let read = |name: &str| {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        SourceFile::new(format!("tests/fixtures/monitor/{name}"), text)
    };
    let files = vec![
        super::super::data::read_hj212(&read("plant.hj212"), 0),
        super::super::data::read_csv(&read("furnace.csv"), 1),
    ];
    let devices_text = std::fs::read_to_string(dir.join("devices.csv")).unwrap();
    let devices = super::super::devices::parse(&devices_text).unwrap();
    (permits, files, devices)
}

/// Every file under `dir` (relative path → bytes), hidden ones included.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            out.insert(rel, std::fs::read(e.path()).unwrap());
        }
    }
    out
}

#[test]
fn spilled_partitions_are_written_as_held_ones() {
    let (permits, files, devices) = fixture();
    let mut got = Vec::new();
    for budget in [usize::MAX, 0] {
        let dir = tempfile::tempdir().unwrap();
        let writer = Writer::new(false);
        let mut e = Exporter::new(dir.path(), &permits, &devices, None, None);
        e.budget = budget;
        // The CSV first, then the log: lines and files out of order.
        for f in files.iter().rev() {
            e.add(f).unwrap();
        }
        let spilled = e.parts.values().any(|s| s.on_disk);
        assert_eq!(spilled, budget == 0);
        let spill_dir = e.spill_dir.clone();
        assert_eq!(spill_dir.exists(), spilled);
        let (partitions, readings, _) = e.finish(dir.path(), TableFormat::Csv, &writer).unwrap();
        assert_eq!((partitions, readings), (1, 38));
        assert!(!spill_dir.exists(), "the temporary folder is removed");
        got.push(tree(dir.path()));
    }
    assert_eq!(got[0], got[1]);
    // Rows are in series, time, file, line order.
    assert_eq!(got[0].len(), 2, "{:?}", got[0].keys());
    let csv = got[0]
        .iter()
        .find(|(k, _)| k.ends_with("part-0.csv"))
        .map(|(_, v)| String::from_utf8(v.clone()).unwrap())
        .unwrap();
    let so2: Vec<&str> = csv.lines().filter(|l| l.contains(",SO2,hour,")).collect();
    assert!(so2[0].contains("2026-03-02 00:00:00") && so2[0].ends_with("plant.hj212,1"));
}

#[test]
fn an_existing_spill_folder_is_refused_and_kept() {
    let (permits, files, devices) = fixture();
    let dir = tempfile::tempdir().unwrap();
    let mut e = Exporter::new(dir.path(), &permits, &devices, None, None);
    e.budget = 0;
    std::fs::create_dir(&e.spill_dir).unwrap();
    std::fs::write(e.spill_dir.join("0.bin"), b"theirs").unwrap();
    let spill_dir = e.spill_dir.clone();
    assert!(e.add(&files[0]).unwrap_err().contains("cannot create"));
    drop(e);
    assert_eq!(std::fs::read(spill_dir.join("0.bin")).unwrap(), b"theirs");
}

#[test]
fn lines_are_counted_forward_and_again_from_the_start() {
    let text = "a\nb\nc\n";
    let mut c = LineCounter::default();
    assert_eq!(c.line(text, 0), 1);
    assert_eq!(c.line(text, 4), 3);
    assert_eq!(c.line(text, 2), 2);
    assert_eq!(c.line(text, 100), 4);
}

#[test]
fn coverage_splits_the_run_into_months() {
    let h = |y, m, d, hour: i64| Date::new(y, m, d).unwrap().days() * 24 + hour;
    let rows = coverage_rows("U", Some((h(2026, 1, 30, 5), h(2026, 3, 1, 23))));
    let got: Vec<(&str, i64)> = rows
        .iter()
        .map(|r| (r.period.as_str(), r.expected_hours))
        .collect();
    // 30 Jan 05:00 to 31 Jan 23:00; all of February; 1 March.
    assert_eq!(got, [("2026-01", 43), ("2026-02", 672), ("2026-03", 24)]);
    assert_eq!(timestamp(rows[0].from), "2026-01-30 05:00:00");
    assert_eq!(timestamp(rows[2].to), "2026-03-01 23:00:00");
    assert!(coverage_rows("U", None).is_empty());
}

#[test]
fn numbers_read_back_exactly() {
    for v in [0.1 + 0.2, 1.0 / 3.0, 1e-7, 123456789.125, 35.0] {
        assert_eq!(num(Some(v)).parse::<f64>(), Ok(v));
    }
    assert_eq!(num(Some(f64::NAN)), "");
    assert_eq!(num(None), "");
    assert_eq!(
        timestamp(Date::new(2026, 3, 2).unwrap().days() * 24 + 5),
        "2026-03-02 05:00:00"
    );
}
