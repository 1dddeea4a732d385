//! Tables as the evaluator uses them: rows looked up by their key cells.

use crate::date::Date;
use crate::units::Quantity;
use std::collections::HashMap;

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
    pub index: HashMap<Vec<String>, usize>,
}

impl TableData {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
    pub fn lookup(&self, key: &[String]) -> Option<usize> {
        self.index.get(key).copied()
    }
    /// The row of a one-key table whose key is the longest prefix of `text`.
    pub fn longest_prefix(&self, text: &str) -> Option<usize> {
        (1..=text.len())
            .rev()
            .filter(|&n| text.is_char_boundary(n))
            .find_map(|n| self.index.get(&[text[..n].to_string()][..]).copied())
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
                .map(|(i, k)| (vec![k.to_string()], i))
                .collect(),
        };
        assert_eq!(t.longest_prefix("D4412"), Some(1));
        assert_eq!(t.longest_prefix("D4411"), Some(0));
        assert_eq!(t.longest_prefix("C3011"), Some(2));
        assert_eq!(t.longest_prefix("C2"), None);
        assert_eq!(t.longest_prefix("热电"), None);
    }
}
