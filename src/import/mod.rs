//! `permitlint import`: the national platform's tables (许可信息公开 pages
//! saved as HTML, or the same tables as CSV) into a `permit/v2` document.
//!
//! This module owns reading those tables and placing their cells in the
//! permit format: `html` and `csv` turn a file into titled grids of cell
//! text, `columns` says what a header means and reads a cell as a value,
//! `build` places rows into outlets, limits, totals and special periods,
//! and `write` prints the YAML with a `# 来源:` comment on every imported
//! value naming the file, table, row and column it came from, so a finding
//! of `check` on the imported document points at a line that names the
//! cell the reviewer sees on the platform. Whatever cannot be placed (an
//! unknown column or table, a row without an outlet id, a value that cannot
//! be read, a required field the pages do not hold) is an import `Note`,
//! printed and written into the document as a `# 未导入:` comment — never
//! dropped. It knows nothing of policies and does not validate the result:
//! the loader does that when the document is checked.

mod build;
pub mod columns;
pub mod csv;
pub mod html;
mod write;

use std::fmt;
use std::path::Path;

/// A table as read from a file: a title and a grid of cell texts (a cell
/// spanning rows or columns is copied into each position it covers).
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub title: String,
    pub rows: Vec<Vec<String>>,
}

/// One input file read into tables.
#[derive(Clone, Debug)]
pub struct Page {
    /// The file name shown in sources (no folders).
    pub file: String,
    /// The page's name (`大气污染物排放信息`), used to name its tables.
    pub name: String,
    pub tables: Vec<Table>,
}

/// Where an imported value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub file: String,
    /// `大气污染物排放信息-主要排放口`.
    pub table: String,
    /// Data row in the table, 1 = the first row under the header.
    pub row: usize,
    /// Column header as printed (header rows joined by a space); empty for
    /// a fact the importer inferred from the table itself (an outlet's type
    /// from the 主要排放口 section).
    pub column: String,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} 表「{}」第{}行", self.file, self.table, self.row)?;
        if !self.column.is_empty() {
            write!(f, "「{}」", self.column)?;
        }
        Ok(())
    }
}

/// How much an import note matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The importer completed something by a stated rule (a unit taken from
    /// the header); the value is imported.
    Note,
    /// Something on the pages was not imported or could not be read.
    Warning,
}

/// Something the importer could not place, or placed by an assumption.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub level: Level,
    /// `import.unknown-column`, `import.bad-value`, …
    pub code: &'static str,
    /// `file 表「…」第3行「…」`, or the file alone.
    pub at: String,
    pub message: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Note => "note",
            Level::Warning => "warning",
        };
        write!(f, "{level}[{}] {}: {}", self.code, self.at, self.message)
    }
}

/// The result of importing the pages of one permit.
pub struct Imported {
    /// The `permit/v2` document, with source comments.
    pub yaml: String,
    /// Every note, in the order the pages were read.
    pub notes: Vec<Note>,
}

/// Largest page accepted (a saved platform page is well under 1 MiB).
pub const MAX_FILE_SIZE: u64 = 32 * 1024 * 1024;

/// Read one input file (`.html`/`.htm` or `.csv`). An error is a file that
/// cannot be read at all (not found, not UTF-8, an unsupported kind).
pub fn read_page(path: &Path) -> Result<Page, String> {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?
        .len();
    if size > MAX_FILE_SIZE {
        return Err(format!(
            "{}: {size} bytes is more than the {MAX_FILE_SIZE} bytes a page may have",
            path.display()
        ));
    }
    let bytes = crate::fsio::read_bytes(path, MAX_FILE_SIZE)?;
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    match ext.as_str() {
        "html" | "htm" => {
            let text = html_text(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(page_from_html(&file, &stem, text))
        }
        "csv" => {
            let text = csv::decode(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(Page {
                file,
                name: stem.clone(),
                tables: csv::tables(text, &stem),
            })
        }
        "xlsx" | "xls" => Err(format!(
            "{}: Excel workbooks are not read; save each sheet as \"CSV UTF-8\" and import the CSV files",
            path.display()
        )),
        _ => Err(format!(
            "{}: unknown kind of file (expected .html, .htm or .csv)",
            path.display()
        )),
    }
}

/// HTML bytes as text: UTF-8 (with or without BOM); a page declaring or
/// holding another encoding is refused with the reason.
fn html_text(bytes: &[u8]) -> Result<&str, String> {
    let body = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes);
    std::str::from_utf8(body).map_err(|_| {
        let head = String::from_utf8_lossy(&body[..body.len().min(2048)]).to_ascii_lowercase();
        if head.contains("gbk") || head.contains("gb2312") || head.contains("gb18030") {
            "the page is saved in GBK/GB2312; save it again as UTF-8 (in the browser: 另存为, 编码 UTF-8)".to_string()
        } else {
            "the page is not UTF-8; save it again as UTF-8".to_string()
        }
    })
}

/// Build a page from HTML text: its name is the `<title>`, else the text
/// after `当前位置:` (the platform's breadcrumb, without a trailing `审核`),
/// else the file stem.
pub fn page_from_html(file: &str, stem: &str, text: &str) -> Page {
    let p = html::read(text);
    let crumb = p.lines.iter().find_map(|l| {
        let (_, after) = l.split_once("当前位置")?;
        let after = after.trim_start_matches([':', '：', ' ']);
        let first = after.split_whitespace().next().unwrap_or(after);
        Some(first.trim_end_matches("审核").to_string())
    });
    let name = if !p.title.is_empty() {
        p.title.clone()
    } else {
        crumb.unwrap_or_else(|| stem.to_string())
    };
    Page {
        file: file.to_string(),
        name,
        tables: p.tables,
    }
}

/// Import the pages of one permit into a `permit/v2` document.
pub fn import(pages: &[Page]) -> Imported {
    let mut b = build::Builder::default();
    for page in pages {
        b.page(page);
    }
    b.finish();
    let yaml = write::document(&b.doc, &b.notes, pages);
    Imported {
        yaml,
        notes: b.notes,
    }
}
