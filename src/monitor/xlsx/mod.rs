//! XLSX exports of monitoring data (Office Open XML spreadsheets), read
//! into the same readings as the CSV reader. A workbook is recognised by
//! its content (a ZIP archive holding `xl/workbook.xml`), not its name.
//!
//! Every sheet whose first row holds the CSV header (`time`, `pollutant`,
//! `value`, …) is read; cells are shared strings, inline strings, numbers,
//! booleans or errors, and a number in the `time` column is a date serial
//! (the 1900 date system, or 1904 when the workbook says so). The sheets
//! are written out as a text *view*, one line per row in the CSV reader's
//! columns, led by the row's reference (`Sheet1!12:12`), and that view is
//! read by [`data::read_csv`](super::data::read_csv): a finding points at
//! the view's line (the snippet shows the row) and [`locate`] adds the
//! cell (`Sheet1!C12`) to its message. A workbook that cannot be read is
//! one `monitor.xlsx` warning, never a panic.

pub mod zip;

use super::data::{DataFile, read_csv};
use super::{MFinding, finding};
use crate::finding::{Finding, Severity};
use crate::span::{Source, SourceFile, Span};

use quick_xml::events::Event;
use std::rc::Rc;

/// The columns of the view, in order: the row's reference, then the CSV
/// reader's columns (docs/monitoring.md, tabular data).
const COLUMNS: &[&str] = &[
    "row",
    "time",
    "outlet",
    "credit_code",
    "mn",
    "pollutant",
    "value",
    "flag",
    "o2",
    "flow",
    "corrected",
    "period",
];
/// Columns a sheet must have to be read.
const REQUIRED: &[&str] = &["time", "pollutant", "value"];
/// Most bytes one part of a workbook may inflate to.
const MAX_PART: usize = 512 * 1024 * 1024;
const DOC: &str = "docs/monitoring.md (tabular data, XLSX)";

/// Whether `bytes` are an XLSX workbook: a ZIP archive with an entry
/// `xl/workbook.xml` (in its directory, or — for a damaged archive, which
/// is then reported as a damaged workbook — in a local header).
pub fn is_xlsx(bytes: &[u8]) -> bool {
    const PART: &[u8] = b"xl/workbook.xml";
    zip::is_zip(bytes)
        && (zip::Archive::open(bytes).is_ok_and(|a| a.has("xl/workbook.xml"))
            || bytes.windows(PART.len()).any(|w| w == PART))
}

/// A cell as the sheet stores it.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Text(String),
    /// A shared string (shared, not copied, by every cell that uses it).
    Shared(Rc<str>),
    Number(f64),
    Bool(bool),
}

/// A cell's type (its `t` attribute).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// `n` or none.
    Number,
    /// `s`: an index into the shared strings.
    Shared,
    /// `inlineStr`: the text in `<is>`.
    Inline,
    /// `b`.
    Bool,
    /// `str` (a formula's text), `e` (an error such as `#N/A`), `d` (an ISO
    /// 8601 date): the text of `<v>`.
    Text,
}

impl Kind {
    fn of(t: &[u8]) -> Kind {
        match t {
            b"s" => Kind::Shared,
            b"inlineStr" => Kind::Inline,
            b"b" => Kind::Bool,
            b"str" | b"e" | b"d" => Kind::Text,
            _ => Kind::Number,
        }
    }
}

/// A row of a sheet: its number and its cells by column (0 = A).
struct Row {
    number: u32,
    cells: Vec<(u32, Cell)>,
}

/// One line of the view: the sheet (index into [`View::sheets`]) and the
/// row it shows.
#[derive(Clone, Copy, Debug)]
pub struct Line {
    pub sheet: usize,
    pub row: u32,
}

/// The workbook as text, and where each of its lines came from (line 0 is
/// the view's header, which no row gives).
pub struct View {
    pub text: String,
    pub lines: Vec<Option<Line>>,
    /// Byte offset in `text` where each line starts.
    pub starts: Vec<usize>,
    /// The sheets read: name, and for each view column the sheet's column
    /// it came from.
    pub sheets: Vec<(String, Vec<Option<u32>>)>,
    /// Sheets not read (no header), by name.
    pub skipped: Vec<String>,
}

/// `A` → 0, `AB` → 27; the letters of a cell reference (`C12`).
fn column_of(reference: &str) -> Option<u32> {
    let letters: String = reference
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let n = letters.bytes().fold(0u32, |n, b| {
        n * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    Some(n - 1)
}

/// 0 → `A`, 27 → `AB`.
pub fn column_name(mut col: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A sheet's name as a reference writes it (quoted when it is not a plain word).
fn sheet_ref(name: &str) -> String {
    if name.chars().all(|c| c.is_alphanumeric() || c == '_') && !name.is_empty() {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "''"))
    }
}

/// The value of attribute `key` as written (for values the format keeps
/// ASCII: cell references and types).
fn raw_attr<'e>(
    e: &'e quick_xml::events::BytesStart<'_>,
    key: &[u8],
) -> Option<std::borrow::Cow<'e, [u8]>> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| a.value)
}

fn attr(e: &quick_xml::events::BytesStart<'_>, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key || a.key.local_name().as_ref() == key)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// Text of an entity reference (`amp`, `#38`, `#x26`).
fn entity(r: &quick_xml::events::BytesRef<'_>) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    match r.decode().as_deref() {
        Ok("amp") => "&",
        Ok("lt") => "<",
        Ok("gt") => ">",
        Ok("quot") => "\"",
        Ok("apos") => "'",
        _ => "",
    }
    .to_string()
}

fn xml_error(part: &str, e: &quick_xml::Error, at: u64) -> String {
    format!("`{part}` is not well-formed XML at byte {at}: {e}")
}

/// `xl/workbook.xml`: the sheets (name, relationship id) and the 1904 flag.
fn workbook(xml: &str) -> Result<(Vec<(String, String)>, bool), String> {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut sheets = Vec::new();
    let mut date1904 = false;
    loop {
        match r.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                b"sheet" => {
                    if let (Some(name), Some(id)) = (attr(&e, b"name"), attr(&e, b"id")) {
                        sheets.push((name, id));
                    }
                }
                b"workbookPr" => {
                    date1904 = matches!(attr(&e, b"date1904").as_deref(), Some("1" | "true"));
                }
                _ => {}
            },
            Ok(Event::Eof) => return Ok((sheets, date1904)),
            Ok(_) => {}
            Err(e) => return Err(xml_error("xl/workbook.xml", &e, r.buffer_position())),
        }
    }
}

/// `xl/_rels/workbook.xml.rels`: relationship id → part name in the archive.
fn relationships(xml: &str) -> Result<Vec<(String, String)>, String> {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match r.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == b"Relationship" => {
                if let (Some(id), Some(target)) = (attr(&e, b"Id"), attr(&e, b"Target")) {
                    let part = match target.strip_prefix('/') {
                        Some(abs) => abs.to_string(),
                        None => format!("xl/{target}"),
                    };
                    out.push((id, part));
                }
            }
            Ok(Event::Eof) => return Ok(out),
            Ok(_) => {}
            Err(e) => {
                return Err(xml_error(
                    "xl/_rels/workbook.xml.rels",
                    &e,
                    r.buffer_position(),
                ));
            }
        }
    }
}

/// `xl/sharedStrings.xml`: each `<si>`'s text (its `<t>`s, rich-text runs
/// joined, phonetic runs left out).
fn shared_strings(xml: &str) -> Result<Vec<Rc<str>>, String> {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let (mut cur, mut in_t, mut in_phonetic) = (String::new(), false, false);
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                b"si" => cur.clear(),
                b"t" => in_t = true,
                b"rPh" => in_phonetic = true,
                _ => {}
            },
            Ok(Event::Empty(e)) if e.local_name().as_ref() == b"si" => out.push(Rc::from("")),
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                b"si" => out.push(Rc::from(std::mem::take(&mut cur))),
                b"t" => in_t = false,
                b"rPh" => in_phonetic = false,
                _ => {}
            },
            Ok(Event::Text(t)) if in_t && !in_phonetic => {
                cur.push_str(&t.xml_content().unwrap_or_default());
            }
            Ok(Event::CData(t)) if in_t && !in_phonetic => {
                cur.push_str(&String::from_utf8_lossy(&t));
            }
            Ok(Event::GeneralRef(g)) if in_t && !in_phonetic => cur.push_str(&entity(&g)),
            Ok(Event::Eof) => return Ok(out),
            Ok(_) => {}
            Err(e) => return Err(xml_error("xl/sharedStrings.xml", &e, r.buffer_position())),
        }
    }
}

/// A worksheet's rows, each with its cells.
fn sheet_rows(part: &str, xml: &str, strings: &[Rc<str>]) -> Result<Vec<Row>, String> {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut rows: Vec<Row> = Vec::new();
    // The cell being read: column, type, value text, inline text.
    let mut cell: Option<(u32, Kind)> = None;
    let (mut value, mut inline) = (String::new(), String::new());
    let (mut in_v, mut in_t) = (false, false);
    let mut next_col = 0u32;
    let err = |e: &quick_xml::Error, at: u64| xml_error(part, e, at);
    loop {
        let ev = r.read_event();
        match ev {
            Ok(Event::Start(ref e) | Event::Empty(ref e)) => {
                let empty = matches!(ev, Ok(Event::Empty(_)));
                match e.local_name().as_ref() {
                    b"row" => {
                        let prev = rows.last().map_or(0, |r| r.number);
                        let number = raw_attr(e, b"r")
                            .and_then(|v| std::str::from_utf8(&v).ok()?.parse().ok())
                            .unwrap_or(prev.saturating_add(1));
                        rows.push(Row {
                            number,
                            cells: Vec::new(),
                        });
                        next_col = 0;
                    }
                    b"c" => {
                        let (mut col, mut kind) = (None, Kind::Number);
                        for a in e.attributes().flatten() {
                            match a.key.as_ref() {
                                b"r" => {
                                    col = std::str::from_utf8(&a.value).ok().and_then(column_of)
                                }
                                b"t" => kind = Kind::of(&a.value),
                                _ => {}
                            }
                        }
                        let col = col.unwrap_or(next_col);
                        next_col = col.saturating_add(1);
                        value.clear();
                        inline.clear();
                        if !empty {
                            cell = Some((col, kind));
                        }
                    }
                    b"v" if !empty => in_v = true,
                    b"t" if !empty => in_t = true,
                    _ => {}
                }
            }
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                b"v" => in_v = false,
                b"t" => in_t = false,
                b"c" => {
                    if let Some((col, kind)) = cell.take() {
                        let v = value.trim();
                        let c = match kind {
                            Kind::Shared => v
                                .parse::<usize>()
                                .ok()
                                .and_then(|i| strings.get(i))
                                .map(|s| Cell::Shared(Rc::clone(s))),
                            Kind::Inline => Some(Cell::Text(inline.clone())),
                            Kind::Bool => Some(Cell::Bool(v == "1")),
                            Kind::Text => Some(Cell::Text(value.clone())),
                            Kind::Number if v.is_empty() => None,
                            Kind::Number => Some(match v.parse::<f64>() {
                                Ok(n) if n.is_finite() => Cell::Number(n),
                                _ => Cell::Text(value.clone()),
                            }),
                        };
                        if let (Some(c), Some(row)) = (c, rows.last_mut()) {
                            row.cells.push((col, c));
                        }
                    }
                }
                _ => {}
            },
            Ok(Event::Text(t)) => {
                let s = t.xml_content().unwrap_or_default();
                if in_v {
                    value.push_str(&s);
                } else if in_t {
                    inline.push_str(&s);
                }
            }
            Ok(Event::CData(t)) => {
                let s = String::from_utf8_lossy(&t).into_owned();
                if in_v {
                    value.push_str(&s);
                } else if in_t {
                    inline.push_str(&s);
                }
            }
            Ok(Event::GeneralRef(g)) => {
                if in_v {
                    value.push_str(&entity(&g));
                } else if in_t {
                    inline.push_str(&entity(&g));
                }
            }
            Ok(Event::Eof) => return Ok(rows),
            Ok(_) => {}
            Err(e) => return Err(err(&e, r.buffer_position())),
        }
    }
}

/// A date serial as `YYYY-MM-DD HH:MM:SS` (or the date alone when it has no
/// time of day): days since 1899-12-30 in the 1900 system (whose day 60 is
/// the 29 February 1900 that never was, kept for Lotus 1-2-3's sake), since
/// 1904-01-01 in the 1904 system.
pub fn serial_date(serial: f64, date1904: bool) -> Option<String> {
    if !(0.0..3_000_000.0).contains(&serial) {
        return None;
    }
    let seconds = (serial * 86_400.0).round() as i64;
    let (days, secs) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let epoch = if date1904 {
        crate::date::Date::new(1904, 1, 1)?
    } else {
        if days == 60 {
            return None; // 1900-02-29
        }
        // Serials 1–59 count from 1899-12-31; from 61 on, 1899-12-30 (the
        // phantom 29 February shifts them by one).
        let base = if days < 60 { 31 } else { 30 };
        crate::date::Date::new(1899, 12, base)?
    };
    if !date1904 && days == 0 {
        return None; // serial 0 is "1900-01-00"
    }
    let date = crate::date::Date::from_days(epoch.days() + days);
    Some(if secs == 0 {
        date.to_string()
    } else {
        format!(
            "{date} {:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    })
}

/// A cell as the view writes it: no comma (it would split the line) and no
/// line break.
/// A boolean where a data flag belongs is no flag: `#` and the value,
/// so the reading is excluded (counted under `#`), never read as `T` or `F`.
fn view_text(c: &Cell, is_time: bool, is_flag: bool, date1904: bool) -> String {
    let s = match c {
        Cell::Text(t) => t.clone(),
        Cell::Shared(t) => t.to_string(),
        Cell::Bool(b) => {
            let word = if *b { "TRUE" } else { "FALSE" };
            if is_flag {
                format!("#{word}")
            } else {
                word.to_string()
            }
        }
        Cell::Number(n) if is_time => {
            serial_date(*n, date1904).unwrap_or_else(|| format!("serial {n}"))
        }
        Cell::Number(n) => format!("{n}"),
    };
    if s.contains([',', '\r', '\n']) {
        s.replace(',', "，").replace(['\r', '\n'], " ")
    } else {
        s
    }
}

/// Build the view of a workbook.
pub fn view(bytes: &[u8]) -> Result<View, String> {
    let archive = zip::Archive::open(bytes)?;
    let text_of = |part: &str| -> Result<Option<String>, String> {
        Ok(archive
            .read(part, MAX_PART)?
            .map(|b| String::from_utf8_lossy(&b).into_owned()))
    };
    let wb = text_of("xl/workbook.xml")?.ok_or("no `xl/workbook.xml`: not an XLSX workbook")?;
    let (sheets, date1904) = workbook(&wb)?;
    let rels = match text_of("xl/_rels/workbook.xml.rels")? {
        Some(x) => relationships(&x)?,
        None => Vec::new(),
    };
    let strings = match text_of("xl/sharedStrings.xml")? {
        Some(x) => shared_strings(&x)?,
        None => Vec::new(),
    };
    let mut out = View {
        text: COLUMNS.join(",") + "\n",
        lines: vec![None],
        starts: vec![0],
        sheets: Vec::new(),
        skipped: Vec::new(),
    };
    for (i, (name, id)) in sheets.iter().enumerate() {
        let part = rels
            .iter()
            .find(|(rid, _)| rid == id)
            .map(|(_, p)| p.clone())
            .unwrap_or_else(|| format!("xl/worksheets/sheet{}.xml", i + 1));
        let Some(xml) = text_of(&part)? else {
            return Err(format!("sheet `{name}`: no part `{part}` in the archive"));
        };
        let rows = sheet_rows(&part, &xml, &strings)?;
        // The header: the first row with a cell.
        let Some((head, body)) = rows
            .iter()
            .position(|r| !r.cells.is_empty())
            .map(|h| (&rows[h], &rows[h + 1..]))
        else {
            out.skipped.push(name.clone());
            continue;
        };
        let header: Vec<(u32, String)> = head
            .cells
            .iter()
            .map(|(c, v)| {
                let t = match v {
                    Cell::Text(t) => t.trim().to_ascii_lowercase(),
                    Cell::Shared(t) => t.trim().to_ascii_lowercase(),
                    _ => String::new(),
                };
                (*c, t)
            })
            .collect();
        if REQUIRED.iter().any(|r| !header.iter().any(|(_, h)| h == r)) {
            out.skipped.push(name.clone());
            continue;
        }
        let columns: Vec<Option<u32>> = COLUMNS
            .iter()
            .map(|k| header.iter().find(|(_, h)| h == k).map(|(c, _)| *c))
            .collect();
        let time_col = columns[1];
        for row in body {
            if row.cells.is_empty() {
                continue;
            }
            let reference = format!("{}!{}:{}", sheet_ref(name), row.number, row.number);
            let mut cells = vec![view_text(&Cell::Text(reference), false, false, date1904)];
            for (k, col) in columns.iter().enumerate().skip(1) {
                let cell = col.and_then(|c| row.cells.iter().find(|(rc, _)| *rc == c));
                cells.push(cell.map_or(String::new(), |(c, v)| {
                    view_text(v, Some(*c) == time_col, COLUMNS[k] == "flag", date1904)
                }));
            }
            out.starts.push(out.text.len());
            out.text.push_str(&cells.join(","));
            out.text.push('\n');
            out.lines.push(Some(Line {
                sheet: out.sheets.len(),
                row: row.number,
            }));
        }
        out.sheets.push((name.clone(), columns));
    }
    Ok(out)
}

/// The cell a span of the view lies in: `Sheet1!C12`, or `Sheet1!12:12`
/// when it covers the row (a skipped row) or no cell of the sheet.
pub fn cell_at(view: &View, at: usize) -> Option<String> {
    let text = view.text.get(..at.min(view.text.len()))?;
    // The line holding `at`: the last that starts at or before it.
    let line_no = view.starts.partition_point(|&s| s <= at).checked_sub(1)?;
    let line = view.lines.get(line_no)?.as_ref()?;
    let (name, columns) = view.sheets.get(line.sheet)?;
    let line_start = view.starts[line_no];
    let column = text.get(line_start..)?.matches(',').count();
    let sheet = sheet_ref(name);
    Some(match columns.get(column).copied().flatten() {
        Some(c) if column > 0 => format!("{sheet}!{}{}", column_name(c), line.row),
        _ => format!("{sheet}!{}:{}", line.row, line.row),
    })
}

/// Add the cell to the message of each finding on the view (`f.file` is
/// the view's source), e.g. `… (Sheet1!C12)`.
pub fn locate(view: &View, f: &mut Finding) {
    let Some(p) = f.primary else {
        return;
    };
    if let Some(cell) = cell_at(view, p.start as usize) {
        f.message = format!("{} ({cell})", f.message);
    }
}

/// Read an XLSX workbook (`bytes` of the file `name`) into readings.
/// Findings point into the view; [`locate`] adds their cells once the run
/// reads the file again to show them. The returned file's source is the
/// view when `keep_text`, else its name alone.
pub fn read(name: &str, bytes: &[u8], file: u32, keep_text: bool) -> DataFile {
    let empty = SourceFile::new(name.to_string(), "");
    let view = match view(bytes) {
        Ok(v) => v,
        Err(why) => {
            let mut out = DataFile::empty(&empty);
            out.findings.push(MFinding::plain(finding(
                "monitor.xlsx",
                Severity::Warning,
                &empty,
                Span::new(0, 0),
                format!("the workbook cannot be read: {why}"),
                DOC,
            )));
            return out;
        }
    };
    let source: Source = SourceFile::new(name.to_string(), view.text);
    let mut out = read_csv(&source, file);
    if !view.skipped.is_empty() {
        out.findings.push(MFinding::plain(finding(
            "monitor.xlsx",
            Severity::Notice,
            &out.source,
            Span::new(0, 0),
            format!(
                "sheet{} {} not read: no header row with `time`, `pollutant` and `value`",
                if view.skipped.len() == 1 { "" } else { "s" },
                view.skipped
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            DOC,
        )));
    }
    if keep_text {
        out.source = source;
    }
    out
}

/// A workbook of `sheets` (name, `<sheetData>` rows as XML) and shared
/// `strings`, as a spreadsheet program writes it (tests and fuzz seeds).
pub fn write_workbook(
    sheets: &[(&str, &str)],
    strings: &[&str],
    date1904: bool,
    deflate: bool,
) -> Vec<u8> {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('"', "&quot;")
    };
    let mut wb = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><workbookPr{}/><sheets>",
        if date1904 { " date1904=\"1\"" } else { "" }
    );
    let mut rels = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    );
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, (name, rows)) in sheets.iter().enumerate() {
        let n = i + 1;
        wb.push_str(&format!(
            "<sheet name=\"{}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>",
            esc(name)
        ));
        rels.push_str(&format!("<Relationship Id=\"rId{n}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"));
        parts.push((
            format!("xl/worksheets/sheet{n}.xml"),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>{rows}</sheetData></worksheet>").into_bytes(),
        ));
    }
    wb.push_str("</sheets></workbook>");
    rels.push_str("</Relationships>");
    let sst: String = strings
        .iter()
        .map(|s| format!("<si><t>{}</t></si>", esc(s)))
        .collect();
    let sst = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"{0}\" uniqueCount=\"{0}\">{sst}</sst>",
        strings.len()
    );
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("xl/workbook.xml", wb.as_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        ("xl/sharedStrings.xml", sst.as_bytes()),
    ];
    for (name, content) in &parts {
        entries.push((name, content));
    }
    zip::write(&entries, deflate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::Period;

    /// Row `n` of shared-string indices `head` (the header).
    fn header_row(n: u32, head: &[usize]) -> String {
        let cells: String = head
            .iter()
            .enumerate()
            .map(|(i, s)| {
                format!(
                    "<c r=\"{}{n}\" t=\"s\"><v>{s}</v></c>",
                    column_name(i as u32)
                )
            })
            .collect();
        format!("<row r=\"{n}\">{cells}</row>")
    }

    // Shared strings: 0 time, 1 outlet, 2 pollutant, 3 value, 4 flag, 5 DA001, 6 SO2.
    const STRINGS: &[&str] = &[
        "time",
        "outlet",
        "pollutant",
        "value",
        "flag",
        "DA001",
        "SO2",
    ];

    fn data_sheet() -> String {
        header_row(1, &[0, 1, 2, 3, 4])
            // 45717.25 = 2025-03-01 06:00; value a number, flag an inline string.
            + "<row r=\"2\"><c r=\"A2\"><v>45717.25</v></c><c r=\"B2\" t=\"s\"><v>5</v></c><c r=\"C2\" t=\"s\"><v>6</v></c><c r=\"D2\"><v>40.5</v></c><c r=\"E2\" t=\"inlineStr\"><is><t>N</t></is></c></row>"
            // A date-time as text, the pollutant in Chinese rich inline text, a
            // boolean where the flag belongs (no flag: excluded, under `#`).
            + "<row r=\"3\"><c r=\"A3\" t=\"str\"><v>2025-03-01 07:00</v></c><c r=\"B3\" t=\"inlineStr\"><is><t>DA001</t></is></c><c r=\"C3\" t=\"inlineStr\"><is><r><t>二氧</t></r><r><t>化硫</t></r></is></c><c r=\"D3\"><v>12</v></c><c r=\"E3\" t=\"b\"><v>1</v></c></row>"
            // A whole serial: a date alone, a daily value.
            + "<row r=\"5\"><c r=\"A5\"><v>45717</v></c><c r=\"B5\" t=\"s\"><v>5</v></c><c r=\"C5\" t=\"s\"><v>6</v></c><c r=\"D5\"><v>30</v></c></row>"
            // An error value: the row is skipped.
            + "<row r=\"6\"><c r=\"A6\"><v>45717.5</v></c><c r=\"B6\" t=\"s\"><v>5</v></c><c r=\"C6\" t=\"s\"><v>6</v></c><c r=\"D6\" t=\"e\"><v>#N/A</v></c></row>"
    }

    #[test]
    fn serial_dates_in_both_systems() {
        assert_eq!(serial_date(1.0, false).as_deref(), Some("1900-01-01"));
        assert_eq!(serial_date(59.0, false).as_deref(), Some("1900-02-28"));
        assert_eq!(serial_date(60.0, false), None, "1900-02-29 never was");
        assert_eq!(serial_date(61.0, false).as_deref(), Some("1900-03-01"));
        assert_eq!(serial_date(45658.0, false).as_deref(), Some("2025-01-01"));
        assert_eq!(
            serial_date(45658.0 + 5.0 / 24.0, false).as_deref(),
            Some("2025-01-01 05:00:00")
        );
        // A float a hair below the hour still reads as the hour.
        assert_eq!(
            serial_date(45658.208333333, false).as_deref(),
            Some("2025-01-01 05:00:00")
        );
        assert_eq!(serial_date(0.0, true).as_deref(), Some("1904-01-01"));
        assert_eq!(
            serial_date(45658.0 - 1462.0, true).as_deref(),
            Some("2025-01-01")
        );
        assert_eq!(serial_date(-1.0, false), None);
    }

    #[test]
    fn cells_of_every_kind_become_readings() {
        for deflate in [false, true] {
            let wb = write_workbook(&[("Sheet1", &data_sheet())], STRINGS, false, deflate);
            assert!(is_xlsx(&wb));
            let v = view(&wb).unwrap();
            let d = read("d.xlsx", &wb, 0, false);
            let r: Vec<(i64, &str, f64, u8, Period)> = d
                .readings
                .iter()
                .map(|r| (r.time, r.code, r.value, r.flag, r.period))
                .collect();
            let day = crate::date::Date::new(2025, 3, 1).unwrap().days() * 24;
            assert_eq!(
                r,
                [
                    (day + 6, "SO2", 40.5, b'N', Period::Hour),
                    (day + 7, "SO2", 12.0, b'#', Period::Hour),
                    (day, "SO2", 30.0, b'N', Period::Day),
                ]
            );
            // The skipped row, located at its row; a value, at its cell.
            assert_eq!(d.findings.len(), 1, "{:?}", d.findings);
            let mut f = d.findings[0].finding.clone();
            locate(&v, &mut f);
            assert!(f.message.ends_with("(Sheet1!6:6)"), "{}", f.message);
            let r = &d.readings[0];
            assert_eq!(&v.text[r.start as usize..r.end as usize], "40.5");
            assert_eq!(cell_at(&v, r.start as usize).as_deref(), Some("Sheet1!D2"));
            assert_eq!(
                cell_at(&v, d.readings[1].start as usize).as_deref(),
                Some("Sheet1!D3")
            );
        }
    }

    #[test]
    fn the_1904_flag_and_every_sheet_with_the_header() {
        let notes = "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>说明</t></is></c></row>";
        let second = header_row(1, &[0, 1, 2, 3])
            + "<row r=\"4\"><c r=\"A4\"><v>44255.25</v></c><c r=\"B4\" t=\"s\"><v>5</v></c><c r=\"C4\" t=\"s\"><v>6</v></c><c r=\"D4\"><v>9</v></c></row>";
        let wb = write_workbook(
            &[
                ("notes", notes),
                ("Sheet1", &data_sheet()),
                ("2025 3月", &second),
            ],
            STRINGS,
            true,
            true,
        );
        let d = read("d.xlsx", &wb, 0, true);
        // 44255.25 in the 1904 system is 2025-03-01 06:00 (1462 days later than in 1900's).
        let last = d.readings.last().unwrap();
        let day = crate::date::Date::new(2025, 3, 1).unwrap().days() * 24;
        assert_eq!((last.time, last.value), (day + 6, 9.0));
        let v = view(&wb).unwrap();
        assert_eq!(
            cell_at(&v, last.start as usize).as_deref(),
            Some("'2025 3月'!D4")
        );
        let notice = d
            .findings
            .iter()
            .find(|f| f.finding.rule == "monitor.xlsx")
            .unwrap();
        assert_eq!(notice.finding.severity, Severity::Notice);
        assert!(
            notice.finding.message.contains("`notes`"),
            "{}",
            notice.finding.message
        );
        assert_eq!(d.readings.len(), 4);
    }

    #[test]
    fn a_damaged_workbook_is_one_warning_never_a_panic() {
        let wb = write_workbook(&[("Sheet1", &data_sheet())], STRINGS, false, true);
        for cut in (0..wb.len()).step_by(7) {
            let d = read("d.xlsx", &wb[..cut], 0, false);
            assert!(d.readings.is_empty() || cut == wb.len());
            if zip::is_zip(&wb[..cut]) {
                assert_eq!(d.findings.len(), 1);
                assert_eq!(d.findings[0].finding.rule, "monitor.xlsx");
            }
        }
        for i in (0..wb.len()).step_by(3) {
            let mut bent = wb.clone();
            bent[i] ^= 0xA5;
            let _ = read("d.xlsx", &bent, 0, false);
        }
        // Not well-formed XML in a sheet.
        let bad = write_workbook(
            &[("Sheet1", "<row r=\"1\"><c></row>")],
            STRINGS,
            false,
            false,
        );
        let d = read("d.xlsx", &bad, 0, false);
        assert!(
            d.findings[0]
                .finding
                .message
                .contains("not well-formed XML"),
            "{}",
            d.findings[0].finding.message
        );
        // Row and column numbers at the end of their range.
        let edge = "<row r=\"4294967295\"><c r=\"XFD1\"><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>";
        let _ = read(
            "d.xlsx",
            &write_workbook(&[("S", edge)], STRINGS, false, false),
            0,
            false,
        );
        // A ZIP without a workbook is not XLSX.
        assert!(!is_xlsx(&zip::write(&[("a.txt", b"x")], false)));
    }
}
