//! An execution report's declared annual totals (`declared_t`) against the
//! permit's annual limits and the totals computed from the fixture's data
//! (DA001's SO2: 33 valid hours × 100,000 m³/h, 0.0876 t in 2026; the
//! outlet's `annual_years` limit is 0.05 t/a, the plant's SO2 total 0.08 t/a).

use assert_cmd::Command;
use serde_json::Value;

const DECLARED: &str = "credit_code,year,pollutant,declared_t,outlet
91320412MA1MX3RT62,2026,SO2,0.06,DA001
91320412MA1MX3RT62,2026,二氧化硫,0.07,
91320412MA1MX3RT62,2026,NOx,100,DA001
91320412MA1MX3RT62,2026,SO2,0.085,DA001
91320412MA1MX3RT62,2026,SO2,0.01,DA009
91320412MA1MX3RT62,20x6,SO2,1,DA001
91320412MA1MX3RT62,2025,SO2,0.01,DA001
";

#[test]
fn declared_totals_against_the_limit_and_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.csv");
    std::fs::write(&path, DECLARED).unwrap();
    let o = Command::cargo_bin("permitlint")
        .unwrap()
        .args([
            "monitor",
            "tests/fixtures/monitor/chp-v2.yaml",
            "--data",
            "tests/fixtures/monitor/plant.hj212",
        ])
        .arg(&path)
        .args([
            "--devices",
            "tests/fixtures/monitor/devices.csv",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let got: Vec<(String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"].as_str().unwrap().ends_with("report.csv"))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, u64)> = [
        // 0.06 t: above DA001's 0.05 t/a, and more than 10% below the 0.0876 t computed.
        ("monitor.declared-below-computed", 2),
        ("monitor.declared-exceeds-annual", 2),
        // The plant: 0.07 t is within 0.08 t/a, but understated.
        ("monitor.declared-below-computed", 3),
        // NOx: within 179 t/a, no NOx data to compare with (line 4): nothing.
        // 0.085 t: above the limit, within 10% of the data.
        ("monitor.declared-exceeds-annual", 5),
        ("monitor.unmapped", 6),
        ("monitor.csv", 7),
        // 2025: no data of 2025, within the limit (line 8): nothing.
    ]
    .iter()
    .map(|(r, l)| (r.to_string(), *l))
    .collect();
    assert_eq!(got, want);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "monitor.declared-exceeds-annual")
        .unwrap();
    assert_eq!(f["related"]["line"], 140);
    assert_eq!(f["related"]["text"], "annual_years: 0.05 t/a");
    assert_eq!(f["outlet"], "DA001");
    let below = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "monitor.declared-below-computed" && f["line"] == 3)
        .unwrap();
    let msg = below["message"].as_str().unwrap();
    assert!(
        msg.contains("(plant total), 0.07 t, are 20.091% below the 0.088 t computed"),
        "{msg}"
    );
}
