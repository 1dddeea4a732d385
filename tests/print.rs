//! The countersign form printed on A4 by a real browser, with no table cut
//! across pages.
//!
//! Runs only where a headless Chromium is installed (`chromium`,
//! `chromium-browser` or `google-chrome` on the PATH, or the program named
//! by `PERMITLINT_BROWSER`); otherwise it prints that it was skipped.
//!
//! What it checks, for the forms of the review fixtures and the corpus's
//! longest form:
//! - the browser prints each form to a PDF of A4 pages (`--print-to-pdf`);
//! - laid out at the printable width of A4 (210 mm less the 12 mm margins
//!   of the form's `@page`), every table and signature block is shorter
//!   than the printable height (297 mm less 15 mm margins), so the
//!   `break-inside: avoid` the stylesheet gives them can always be honoured:
//!   the browser moves a table to the next page rather than cut it;
//! - the stylesheet does ask for that.

use permitlint::date::Date;
use permitlint::review::{self, Lang};
use permitlint::run::{self, Options};
use std::path::{Path, PathBuf};
use std::process::Command;

/// CSS pixels per millimetre (96 dpi).
const PX_PER_MM: f64 = 96.0 / 25.4;
const PRINT_WIDTH_MM: f64 = 210.0 - 2.0 * 12.0;
const PRINT_HEIGHT_MM: f64 = 297.0 - 2.0 * 15.0;

fn browser() -> Option<String> {
    let candidates: Vec<String> = match std::env::var("PERMITLINT_BROWSER") {
        Ok(b) if !b.is_empty() => vec![b],
        _ => ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    candidates.into_iter().find(|b| {
        Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Run the browser headless on `page` with `extra` arguments; a fresh
/// profile each time, no network services.
fn run_browser(browser: &str, profile: &Path, page: &Path, extra: &[String]) -> String {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run the browser");
    assert!(
        out.status.success(),
        "browser failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Page count of a PDF: the largest `/Count` of its page tree.
fn pdf_pages(pdf: &[u8]) -> usize {
    let mut max = 0;
    let mut rest = pdf;
    while let Some(i) = rest.windows(7).position(|w| w == b"/Count ") {
        let digits: String = rest[i + 7..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .map(|&b| b as char)
            .collect();
        max = max.max(digits.parse().unwrap_or(0));
        rest = &rest[i + 7..];
    }
    max
}

/// Measures every table and signature block once laid out, and writes
/// `kind height` lines into `<pre id="measure">` for `--dump-dom`.
const MEASURE: &str = r#"<style>body { padding: 0 !important; max-width: none !important; margin: 0 !important; }</style>
<script>
const out = [];
for (const el of document.querySelectorAll('table, .sign, .seal')) {
  out.push(el.tagName.toLowerCase() + '.' + (el.className || '-') + ' ' + el.getBoundingClientRect().height.toFixed(1));
}
const pre = document.createElement('pre');
pre.id = 'measure';
pre.textContent = out.join('\n');
document.body.appendChild(pre);
</script>
</body>"#;

fn forms() -> Vec<(String, String)> {
    let lib = permitlint::library::shipped().expect("shipped library");
    let as_of = Date::parse("2026-12-01").expect("valid date");
    // Two browser runs per form on two shared cores: a few forms that
    // between them have every part (downgrade, escalation, several
    // departments with findings, a broken document).
    let paths: Vec<PathBuf> = [
        "tests/fixtures/review/downgrade.yaml",
        "tests/fixtures/review/broken-doc.yaml",
        "tests/fixtures/review/textile-manual.yaml",
        "corpus/cement-02-defects.yaml",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    let mut out = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(&p).expect("permit");
        let r = run::check_text(
            &lib,
            &p.display().to_string(),
            &text,
            &Options::new(as_of),
            None,
        );
        let form = review::form::build(&lib, &r, as_of, Lang::Zh);
        let stem = p
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        out.push((stem, review::html::render_form(&form, Lang::Zh)));
    }
    out
}

#[test]
fn forms_print_on_a4_without_cut_tables() {
    let Some(browser) = browser() else {
        eprintln!(
            "skipped: no headless browser (chromium) installed; `apt-get install -y chromium` to run this test"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let width_px = (PRINT_WIDTH_MM * PX_PER_MM).round() as u32;
    let limit_px = PRINT_HEIGHT_MM * PX_PER_MM;
    let mut failures = Vec::new();
    let forms = forms();
    for (name, html) in &forms {
        assert!(
            html.contains(
                "table, tr, .sign, .seal { page-break-inside: avoid; break-inside: avoid; }"
            ),
            "the stylesheet keeps tables whole"
        );
        let page = dir.path().join(format!("{name}.html"));
        std::fs::write(&page, html).expect("write form");
        let pdf = dir.path().join(format!("{name}.pdf"));
        run_browser(
            &browser,
            &dir.path().join(format!("profile-{name}-pdf")),
            &page,
            &[
                format!("--print-to-pdf={}", pdf.display()),
                "--no-pdf-header-footer".into(),
            ],
        );
        let bytes = std::fs::read(&pdf).expect("the browser wrote a PDF");
        assert!(bytes.starts_with(b"%PDF"), "{name}: not a PDF");
        let pages = pdf_pages(&bytes);
        assert!(pages >= 1, "{name}: no page in the PDF");

        let measured_page = dir.path().join(format!("{name}.measure.html"));
        std::fs::write(&measured_page, html.replacen("</body>", MEASURE, 1)).expect("write page");
        let dom = run_browser(
            &browser,
            &dir.path().join(format!("profile-{name}-dom")),
            &measured_page,
            &[
                "--dump-dom".into(),
                "--virtual-time-budget=5000".into(),
                format!("--window-size={width_px},1200"),
            ],
        );
        let Some(start) = dom.find("<pre id=\"measure\">") else {
            failures.push(format!("{name}: the measuring script did not run"));
            continue;
        };
        let body = &dom[start + "<pre id=\"measure\">".len()..];
        let body = &body[..body.find("</pre>").unwrap_or(body.len())];
        let mut blocks = 0;
        for line in body.lines() {
            let Some((what, h)) = line.rsplit_once(' ') else {
                continue;
            };
            let h: f64 = h.parse().unwrap_or(f64::INFINITY);
            blocks += 1;
            if h > limit_px {
                failures.push(format!(
                    "{name}: {what} is {h:.0} px high, more than an A4 page ({limit_px:.0} px): it would be cut"
                ));
            }
        }
        if blocks == 0 {
            failures.push(format!("{name}: nothing measured"));
        }
        eprintln!(
            "{name}: {pages} A4 page(s), {blocks} table/signature block(s) each within one page"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
