//! The device mapping (`--devices FILE`): a CSV with header
//! `mn,credit_code,outlet` mapping an HJ 212 device number (MN) to the
//! permit (by the unit's credit code) and its outlet id.

use rustc_hash::FxHashMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub credit_code: String,
    pub outlet: String,
}

/// MN → device. Errors name the line.
pub fn parse(text: &str) -> Result<FxHashMap<String, Device>, String> {
    let mut map = FxHashMap::default();
    let mut lines = text
        .trim_start_matches('\u{feff}')
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err("the devices file is empty (expected header `mn,credit_code,outlet`)".into());
    };
    let cols: Vec<String> = header
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    let find = |name: &str| cols.iter().position(|c| c == name);
    let (Some(mn), Some(cc), Some(out)) = (find("mn"), find("credit_code"), find("outlet")) else {
        return Err(format!(
            "line 1: the header is `{}`, expected `mn,credit_code,outlet`",
            header.trim()
        ));
    };
    for (i, line) in lines {
        let f: Vec<&str> = line
            .split(',')
            .map(|c| c.trim().trim_matches('"'))
            .collect();
        let get = |k: usize| f.get(k).copied().unwrap_or("");
        if get(mn).is_empty() || get(out).is_empty() {
            return Err(format!("line {}: `mn` and `outlet` are required", i + 1));
        }
        let dev = Device {
            credit_code: get(cc).to_string(),
            outlet: get(out).to_string(),
        };
        if let Some(prev) = map.insert(get(mn).to_string(), dev.clone())
            && prev != dev
        {
            return Err(format!(
                "line {}: device `{}` is mapped twice, to different outlets",
                i + 1,
                get(mn)
            ));
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_and_rejects() {
        let m = super::parse("\u{feff}mn,credit_code,outlet\nMN1,9132,DA001\n\n").unwrap();
        assert_eq!(m["MN1"].outlet, "DA001");
        assert!(super::parse("").is_err());
        assert!(super::parse("a,b\n").unwrap_err().contains("line 1"));
        let twice = "mn,credit_code,outlet\nM,1,DA001\nM,1,DA002\n";
        assert!(super::parse(twice).unwrap_err().contains("line 3"));
    }
}
