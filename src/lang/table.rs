//! Tables as the evaluator uses them: rows looked up by their key cells.

use crate::date::Date;
use crate::units::Quantity;
use rustc_hash::FxHashMap;

#[derive(Clone, Debug, PartialEq)]
pub enum CellValue {
    Qty(Quantity),
    Num(f64),
    Date(Date),
    Text(String),
    None,
}

#[derive(Debug)]
pub struct TableData {
    pub name: String,
    pub caption: Option<String>,
    /// Column names, keys first.
    pub columns: Vec<String>,
    pub key_count: usize,
    pub rows: Vec<Vec<CellValue>>,
    /// Row by [`index_key`] of its key cells.
    pub index: FxHashMap<String, usize>,
    /// Longest index key, in bytes: [`TableData::longest_prefix`] tries no
    /// longer prefix, so its cost is bounded by the table, not the text.
    pub max_key_len: usize,
}

/// The index key of a row's key cells: a one-key table's key is the cell's
/// text itself (so lookups by `&str` allocate nothing); several cells are
/// joined length-prefixed (`3:GB1|2:PM|`), which no two different cell
/// lists share.
pub fn index_key<S: AsRef<str>>(cells: &[S]) -> String {
    match cells {
        [one] => one.as_ref().to_string(),
        _ => {
            let mut out = String::new();
            for c in cells {
                let c = c.as_ref();
                out.push_str(&c.len().to_string());
                out.push(':');
                out.push_str(c);
                out.push('|');
            }
            out
        }
    }
}

impl TableData {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
    /// The row whose key cells are `key`.
    pub fn lookup<S: AsRef<str>>(&self, key: &[S]) -> Option<usize> {
        match key {
            [one] => self.index.get(one.as_ref()).copied(),
            _ => self.index.get(&index_key(key)).copied(),
        }
    }
    /// The row of a one-key table whose key is the longest prefix of `text`.
    pub fn longest_prefix(&self, text: &str) -> Option<usize> {
        (1..=text.len().min(self.max_key_len))
            .rev()
            .filter(|&n| text.is_char_boundary(n))
            .find_map(|n| self.index.get(&text[..n]).copied())
    }
}

impl std::fmt::Display for CellValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CellValue::Qty(q) => write!(f, "{q}"),
            CellValue::Num(n) => f.write_str(&crate::units::format_number(*n)),
            CellValue::Date(d) => write!(f, "{d}"),
            CellValue::Text(t) => f.write_str(t),
            CellValue::None => f.write_str("-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_wins() {
        let keys = ["D441", "D4412", "C30"];
        let t = TableData {
            name: "t".into(),
            caption: None,
            columns: vec!["prefix".into()],
            key_count: 1,
            rows: keys
                .iter()
                .map(|k| vec![CellValue::Text(k.to_string())])
                .collect(),
            index: keys
                .iter()
                .enumerate()
                .map(|(i, k)| (index_key(&[k]), i))
                .collect(),
            max_key_len: 5,
        };
        assert_eq!(t.longest_prefix("D4412"), Some(1));
        assert_eq!(t.longest_prefix("D4411"), Some(0));
        assert_eq!(t.longest_prefix("C3011"), Some(2));
        assert_eq!(t.longest_prefix("C2"), None);
        assert_eq!(t.longest_prefix("热电"), None);
        // A long text costs no more than the longest key.
        let long = format!("D4412{}", "9".repeat(1_000_000));
        assert_eq!(t.longest_prefix(&long), Some(1));
        assert_eq!(t.lookup(&["D4412"]), Some(1));
        assert_eq!(t.lookup(&["D44"]), None);
    }

    #[test]
    fn multi_cell_keys_do_not_collide() {
        assert_eq!(index_key(&["a"]), "a");
        assert_ne!(index_key(&["a|1:b", "c"]), index_key(&["a", "b|1:c"]));
        assert_ne!(index_key(&["ab", "c"]), index_key(&["a", "bc"]));
        assert_ne!(index_key(&["", "x"]), index_key(&["x", ""]));
    }
}
