//! A deterministic permit generator for benchmarks: realistic permits made
//! from template permits (the corpus) by a seeded generator, varying the
//! unit's name, the numbers on quantity lines (some past their limits) and
//! the credit-code-free fields. Same seed, same files, on every machine.

/// SplitMix64: tiny, fixed, good enough to vary numbers.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, n)`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
}

const PLACES: &[&str] = &[
    "苏州", "无锡", "常州", "南通", "扬州", "镇江", "泰州", "盐城", "淮安", "徐州",
];
const TRADES: &[&str] = &[
    "热电",
    "水泥",
    "钢铁",
    "污水处理",
    "印染",
    "制药",
    "机械",
    "化工",
];

/// Make permit number `i` from one of `templates` (texts of permit files).
pub fn permit(templates: &[String], seed: u64, i: u64) -> String {
    let mut rng = Rng::new(seed ^ i.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let t = &templates[rng.below(templates.len() as u64) as usize];
    let mut out = String::with_capacity(t.len() + 64);
    for line in t.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("name:") && line.starts_with("  name:") {
            let place = PLACES[rng.below(PLACES.len() as u64) as usize];
            let trade = TRADES[rng.below(TRADES.len() as u64) as usize];
            out.push_str(&format!("  name: {place}某{trade}有限公司{i}\n"));
            continue;
        }
        out.push_str(&vary_numbers(line, &mut rng));
        out.push('\n');
    }
    out
}

/// Scale the number in `concentration: N unit` by 0.5–1.3 (so some permits
/// break their limits), keeping everything else as it was.
fn vary_numbers(line: &str, rng: &mut Rng) -> String {
    let Some(pos) = line.find("concentration: ") else {
        return line.to_string();
    };
    let start = pos + "concentration: ".len();
    let rest = &line[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let Ok(v) = rest[..end].parse::<f64>() else {
        return line.to_string();
    };
    let factor = 0.5 + rng.below(81) as f64 / 100.0;
    let nv = (v * factor * 1000.0).round() / 1000.0;
    format!(
        "{}{}{}",
        &line[..start],
        crate::units::format_number(nv),
        &rest[end..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_permit() {
        let t =
            vec!["unit:\n  name: x\n  y: 1\nair:\n  - concentration: 100 mg/m3 # c\n".to_string()];
        assert_eq!(permit(&t, 7, 3), permit(&t, 7, 3));
        assert_ne!(permit(&t, 7, 3), permit(&t, 8, 3));
        assert!(permit(&t, 7, 3).contains(" mg/m3 # c"));
    }
}
