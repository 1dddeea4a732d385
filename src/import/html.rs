//! A small, tolerant reader of the tables in an HTML page.
//!
//! It knows `<table>`, `<caption>`, `<tr>`, `<td>`/`<th>` (with `rowspan` and
//! `colspan`), `<br>`, `<title>`, character references, and skips comments,
//! `<script>` and `<style>`. Unclosed cells and rows are closed by the next
//! one, as browsers do. Each table is titled by its `<caption>` or else by the
//! last line of text before it (the platform prints `(1)主要排放口` above the
//! table). No DOM is built: the page is read once, left to right.

use super::Table;

/// Largest `rowspan`/`colspan` honoured; a larger one is clamped (a hostile
/// page must not make a grid of a billion cells).
const MAX_SPAN: usize = 200;

/// Most grid positions one table may fill; spans beyond are not copied (a
/// page of many huge spans must not exhaust memory).
const MAX_CELLS: usize = 1_000_000;

#[derive(Default)]
struct RawCell {
    text: String,
    rowspan: usize,
    colspan: usize,
}

#[derive(Default)]
struct RawTable {
    title: String,
    caption: Option<String>,
    rows: Vec<Vec<RawCell>>,
    in_cell: bool,
}

/// The page's title and its tables, in document order.
pub struct Page {
    pub title: String,
    /// Lines of text outside tables, in order (used to name the page when it
    /// has no `<title>`).
    pub lines: Vec<String>,
    pub tables: Vec<Table>,
}

/// Read every table of an HTML page.
pub fn read(text: &str) -> Page {
    let mut tables_done: Vec<RawTable> = Vec::new();
    let mut stack: Vec<RawTable> = Vec::new();
    let mut outside = String::new(); // text of the current line outside tables
    let mut lines: Vec<String> = Vec::new();
    let mut title = String::new();
    let mut in_title = false;
    let mut in_caption = false;
    // Lines written since the last top-level table closed: only those can
    // title the next table (two tables in a row do not share a title).
    let mut fresh = 0;
    let mut i = 0;
    let b = text.as_bytes();

    let flush_line = |outside: &mut String, lines: &mut Vec<String>| {
        let l = normalise(outside);
        if !l.is_empty() {
            lines.push(l);
        }
        outside.clear();
    };

    while i < b.len() {
        if b[i] == b'<' {
            // Comment.
            if text[i..].starts_with("<!--") {
                i = text[i + 4..].find("-->").map_or(b.len(), |e| i + 4 + e + 3);
                continue;
            }
            let Some(end) = find_tag_end(text, i) else {
                // A lone `<` is text.
                push_text(
                    &mut stack,
                    &mut outside,
                    &mut title,
                    in_title,
                    in_caption,
                    "<",
                );
                i += 1;
                continue;
            };
            let tag = &text[i + 1..end];
            i = end + 1;
            let closing = tag.starts_with('/');
            let body = tag.trim_start_matches('/');
            let name: String = body
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            match (name.as_str(), closing) {
                ("script" | "style", false) => {
                    let close = format!("</{name}");
                    let lower = text[i..].to_ascii_lowercase();
                    i = lower.find(&close).map_or(b.len(), |e| i + e);
                }
                ("title", false) => in_title = true,
                ("title", true) => in_title = false,
                ("table", false) => {
                    flush_line(&mut outside, &mut lines);
                    let t = RawTable {
                        title: lines[fresh.min(lines.len())..]
                            .iter()
                            .rev()
                            .find(|l| {
                                !l.starts_with("说明")
                                    && !l.starts_with('注')
                                    && !l.contains("当前位置")
                            })
                            .cloned()
                            .unwrap_or_default(),
                        ..RawTable::default()
                    };
                    stack.push(t);
                }
                ("table", true) => {
                    if let Some(t) = stack.pop() {
                        tables_done.push(t);
                    }
                    if stack.is_empty() {
                        fresh = lines.len();
                    }
                }
                ("caption", false) => in_caption = true,
                ("caption", true) => in_caption = false,
                ("tr", false) => {
                    if let Some(t) = stack.last_mut() {
                        t.rows.push(Vec::new());
                        t.in_cell = false;
                    }
                }
                ("tr", true) => {
                    if let Some(t) = stack.last_mut() {
                        t.in_cell = false;
                    }
                }
                ("td" | "th", false) => {
                    if let Some(t) = stack.last_mut() {
                        if t.rows.is_empty() {
                            t.rows.push(Vec::new());
                        }
                        let cell = RawCell {
                            text: String::new(),
                            rowspan: span_attr(body, "rowspan"),
                            colspan: span_attr(body, "colspan"),
                        };
                        if let Some(r) = t.rows.last_mut() {
                            r.push(cell);
                        }
                        t.in_cell = true;
                    }
                }
                ("td" | "th", true) => {
                    if let Some(t) = stack.last_mut() {
                        t.in_cell = false;
                    }
                }
                ("br", _) => push_text(
                    &mut stack,
                    &mut outside,
                    &mut title,
                    in_title,
                    in_caption,
                    "\n",
                ),
                (
                    "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "li" | "ul" | "ol"
                    | "section" | "header" | "footer" | "form" | "body",
                    _,
                ) => {
                    if stack.is_empty() {
                        flush_line(&mut outside, &mut lines);
                    } else {
                        push_text(
                            &mut stack,
                            &mut outside,
                            &mut title,
                            in_title,
                            in_caption,
                            "\n",
                        );
                    }
                }
                _ => {}
            }
        } else {
            let next = text[i..].find('<').map_or(b.len(), |e| i + e);
            let decoded = decode_entities(&text[i..next]);
            push_text(
                &mut stack,
                &mut outside,
                &mut title,
                in_title,
                in_caption,
                &decoded,
            );
            i = next;
        }
    }
    flush_line(&mut outside, &mut lines);
    // Tables never closed still count.
    while let Some(t) = stack.pop() {
        tables_done.push(t);
    }
    let tables = tables_done.into_iter().map(table).collect();
    Page {
        title: normalise(&title),
        lines,
        tables,
    }
}

/// The table as a grid, titled by its caption, else by a first row that is
/// one cell across the whole table (`(1)主要排放口` written inside the
/// table), else by the line above it.
fn table(t: RawTable) -> Table {
    let mut rows = grid(t.rows);
    let mut title = t.title;
    let title_row = rows.len() > 1
        && rows[0].first().is_some_and(|f| !f.is_empty())
        && rows[0].iter().all(|c| *c == rows[0][0])
        && rows[1].iter().any(|c| *c != rows[0][0]);
    if title_row {
        title = rows.remove(0).swap_remove(0);
    }
    Table {
        title: t.caption.map(|c| normalise(&c)).unwrap_or(title),
        rows,
    }
}

fn push_text(
    stack: &mut [RawTable],
    outside: &mut String,
    title: &mut String,
    in_title: bool,
    in_caption: bool,
    s: &str,
) {
    if in_title {
        title.push_str(s);
        return;
    }
    match stack.last_mut() {
        Some(t) if in_caption => t.caption.get_or_insert_with(String::new).push_str(s),
        Some(t) if t.in_cell => {
            if let Some(c) = t.rows.last_mut().and_then(|r| r.last_mut()) {
                c.text.push_str(s);
            }
        }
        Some(_) => {}
        None => outside.push_str(s),
    }
}

/// The `>` that ends the tag opened at `start`, skipping quoted attribute values.
fn find_tag_end(text: &str, start: usize) -> Option<usize> {
    let b = text.as_bytes();
    // `<` must open a tag name, `/` or `!`; otherwise it is text.
    let next = *b.get(start + 1)?;
    if !(next.is_ascii_alphabetic() || next == b'/' || next == b'!') {
        return None;
    }
    let mut quote = None;
    for (k, &c) in b.iter().enumerate().skip(start + 1) {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'>' => return Some(k),
            None => {}
        }
    }
    None
}

/// `rowspan="2"` in a tag body; 1 when absent or not a number.
fn span_attr(body: &str, attr: &str) -> usize {
    let lower = body.to_ascii_lowercase();
    let Some(p) = lower.find(attr) else {
        return 1;
    };
    let rest = lower[p + attr.len()..].trim_start();
    let Some(rest) = rest.strip_prefix('=') else {
        return 1;
    };
    let digits: String = rest
        .trim_start()
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse::<usize>().map_or(1, |n| n.clamp(1, MAX_SPAN))
}

/// Lay the cells out on a grid: a cell spanning rows or columns is copied
/// into every position it covers, so each row reads like a line of the table.
fn grid(rows: Vec<Vec<RawCell>>) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<Option<String>>> = Vec::new();
    let mut budget = MAX_CELLS;
    for (r, row) in rows.into_iter().enumerate() {
        if out.len() <= r {
            out.resize_with(r + 1, Vec::new);
        }
        let mut col = 0;
        for cell in row {
            while out[r].get(col).is_some_and(Option::is_some) {
                col += 1;
            }
            let text = normalise(&cell.text);
            let area = cell.rowspan * cell.colspan;
            let (rowspan, colspan) = if area <= budget {
                budget -= area;
                (cell.rowspan, cell.colspan)
            } else {
                (1, 1)
            };
            for dr in 0..rowspan {
                let rr = r + dr;
                if out.len() <= rr {
                    out.resize_with(rr + 1, Vec::new);
                }
                for dc in 0..colspan {
                    let cc = col + dc;
                    if out[rr].len() <= cc {
                        out[rr].resize(cc + 1, None);
                    }
                    out[rr][cc] = Some(text.clone());
                }
            }
            col += colspan;
        }
    }
    out.into_iter()
        .map(|r| {
            r.into_iter()
                .map(Option::unwrap_or_default)
                .collect::<Vec<_>>()
        })
        .filter(|r| !r.is_empty())
        .collect()
}

/// Collapse runs of white space (including `<br>`'s line break and
/// `&nbsp;`) to one space and trim.
pub fn normalise(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || matches!(c, '\u{a0}' | '\u{3000}' | '\u{feff}'))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Decode named (the common ones) and numeric character references; an
/// unknown reference stays as written.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let end = rest[1..]
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';')
            .map(|(k, _)| k + 1);
        let decoded = end.and_then(|e| entity(&rest[1..e]).map(|c| (c, e)));
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let n = match num.strip_prefix(['x', 'X']) {
            Some(h) => u32::from_str_radix(h, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(n);
    }
    Some(match name {
        "nbsp" => ' ',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "ldquo" => '“',
        "rdquo" => '”',
        "lsquo" => '‘',
        "rsquo" => '’',
        "middot" => '·',
        "mdash" => '—',
        "ndash" => '–',
        "ge" => '≥',
        "le" => '≤',
        "times" => '×',
        "deg" => '°',
        "sup3" => '³',
        "sup2" => '²',
        "micro" => 'µ',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_copied_into_the_grid() {
        let p = read(
            "<p>(1)主要排放口</p><table><tr><th rowspan=2>编号</th><th colspan='2'>年</th></tr>\
             <tr><th>第一年</th><th>第二年</th></tr><tr><td>DA001<td>1<td>2</table>",
        );
        assert_eq!(p.tables.len(), 1);
        let t = &p.tables[0];
        assert_eq!(t.title, "(1)主要排放口");
        assert_eq!(t.rows[0], ["编号", "年", "年"]);
        assert_eq!(t.rows[1], ["编号", "第一年", "第二年"]);
        assert_eq!(t.rows[2], ["DA001", "1", "2"]);
    }

    #[test]
    fn titles_come_from_the_line_above_or_a_spanning_first_row() {
        let p = read(
            "<p>(1)主要排放口</p><table><tr><td>a</td></tr></table>\
             <table><tr><td>b</td></tr></table>\
             <table><tr><th colspan=2>(2)一般排放口</th></tr><tr><td>c</td><td>d</td></tr></table>",
        );
        let titles: Vec<&str> = p.tables.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, ["(1)主要排放口", "", "(2)一般排放口"]);
        assert_eq!(p.tables[2].rows, [["c", "d"]]);
    }

    #[test]
    fn entities_breaks_and_comments() {
        let p = read(
            "<title>大气&amp;水</title><table><caption>表</caption><tr><td>a&nbsp;b<br/>c&#x4e2d;&#20013;&bogus;</td>\
             <!-- <td>hidden</td> --><script>var x = '<td>no</td>';</script></tr></table>",
        );
        assert_eq!(p.title, "大气&水");
        assert_eq!(p.tables[0].title, "表");
        assert_eq!(p.tables[0].rows[0], ["a b c中中&bogus;"]);
    }

    #[test]
    fn hostile_spans_are_clamped() {
        let p = read("<table><tr><td rowspan=99999999 colspan=\"99999999\">x</td></tr></table>");
        assert_eq!(p.tables[0].rows.len(), MAX_SPAN);
        assert_eq!(p.tables[0].rows[0].len(), MAX_SPAN);
        let many = "<td rowspan=200 colspan=200>x</td>".repeat(100);
        let p = read(&format!("<table><tr>{many}</tr></table>"));
        let cells: usize = p.tables[0].rows.iter().map(Vec::len).sum();
        assert!(cells <= MAX_CELLS + 200 * 100, "{cells}");
    }
}
