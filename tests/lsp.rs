//! The language server driven over stdio by a real client (`lsp_client`):
//! JSON-RPC messages in, responses and published diagnostics out.

use crate::lsp_client;

use lsp_client::{Client, file_uri, position, position_of};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const A: &str = r#"table limits(pollutant) "测试限值表（mg/m3）" {
  | pollutant | limit     |
  | SO2       | 100 mg/m3 |
  | NOx       | 50 mg/m3  |
}

policy air.test.limits {
  title "测试限值"
  version 1
  basis "GB 0000 表1"
  element air
  severity error
  effective 2020-01-01 ..
  doc { what "w" why "y" violating """v""" conforming """c""" }

  for o in air.outlets where o.standard == "GB 13223-2011" {
    for p in o.pollutants where p.pollutant in limits {
      require p.concentraton <= limits[p.pollutant].limit
        else "{p.pollutant} 超标"
    }
  }
}
"#;

const B: &str = r#"table limits(pollutant) {
  | pollutant | limit    |
  | PM        | 30 mg/m3 |
}

policy air.test.other {
  title "另一条"
  version 1
  basis "GB 0000 表2"
  element air
  severity error
  effective 2020-01-01 ..
  doc { what "w" why "y" violating """v""" conforming """c""" }

  for o in air.outlets {
    require len(o.pollutants) > 0 else "无污染物"
  }
}
"#;

/// A library folder `policies/` with the shipped routes and files a and b.
fn library(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let lib = dir.path().join("policies");
    std::fs::create_dir(&lib).expect("mkdir");
    let routes = std::fs::read_to_string("policies/library.policy").expect("routes");
    std::fs::write(lib.join("library.policy"), routes).expect("write");
    for (name, text) in files {
        std::fs::write(lib.join(name), text).expect("write");
    }
    (dir, lib)
}

/// `policy check --format json` on a folder: (file, start, end, message) of each error.
fn policy_check(dir: &Path) -> Vec<(String, usize, usize, String)> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_permitlint"))
        .args(["policy", "check", "--format", "json"])
        .arg(dir)
        .output()
        .expect("run policy check");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    v["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap_or("").to_string(),
                e["start_byte"].as_u64().unwrap_or(0) as usize,
                e["end_byte"].as_u64().unwrap_or(0) as usize,
                e["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// (range, first line of the message) of each diagnostic.
fn summary(diags: &[Value]) -> Vec<(Value, String)> {
    let mut v: Vec<(Value, String)> = diags
        .iter()
        .map(|d| {
            let msg = d["message"].as_str().unwrap_or("");
            (
                d["range"].clone(),
                msg.lines().next().unwrap_or("").to_string(),
            )
        })
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

#[test]
fn diagnostics_are_those_of_policy_check_in_the_file_that_has_them() {
    let (_dir, lib) = library(&[("a.policy", A), ("b.policy", B)]);
    let expected = policy_check(&lib);
    assert!(expected.len() >= 2, "{expected:?}");

    let mut c = Client::start();
    let a_uri = file_uri(&lib.join("a.policy"));
    let b_uri = file_uri(&lib.join("b.policy"));
    c.open(&a_uri, A);
    let a = c.diagnostics(&a_uri);
    let b = c.diagnostics(&b_uri);

    for (file, text, got) in [("a.policy", A, &a), ("b.policy", B, &b)] {
        let mut want: Vec<(Value, String)> = expected
            .iter()
            .filter(|e| e.0.ends_with(file))
            .map(|(_, s, e, m)| {
                (
                    json!({ "start": position(text, *s), "end": position(text, *e) }),
                    m.clone(),
                )
            })
            .collect();
        want.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(summary(got), want, "{file}");
    }
    // Reviewed snapshot of both files' diagnostics (temporary folder removed).
    let shown = serde_json::to_string_pretty(&json!({ "a.policy": a, "b.policy": b }))
        .expect("json")
        .replace(&file_uri(&lib), "file:///LIBRARY");
    insta::assert_snapshot!("diagnostics_a_b", shown);
    // The misspelt field, with its did-you-mean, in a.policy.
    let typo = a
        .iter()
        .find(|d| d["code"] == "unknown-field")
        .expect("unknown-field in a.policy");
    assert!(
        typo["message"].as_str().unwrap().contains("concentration"),
        "{typo}"
    );
    // The second `limits` table is reported in b.policy, pointing back at a.policy.
    let dup = b
        .iter()
        .find(|d| d["code"] == "duplicate-name")
        .expect("duplicate table in b.policy");
    let related = &dup["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], a_uri.as_str(), "{dup}");
    assert_eq!(
        related["location"]["range"]["start"],
        position_of(A, "limits", 0, true)
    );

    // Fixing the typo clears a.policy; b.policy is not resent (unchanged).
    // Sent as a range edit, although the server asks for full texts.
    let typo = A.find("concentraton").unwrap() + "concentrat".len();
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": a_uri, "version": 2 },
                "contentChanges": [ { "range": { "start": position(A, typo), "end": position(A, typo) },
                                      "text": "i" } ] }),
    );
    assert_eq!(c.diagnostics(&a_uri), Vec::<Value>::new());
    let r = c.request("workspace/symbol", json!({ "query": "" }));
    assert!(r["result"].is_array());
    assert!(
        !c.notifications
            .iter()
            .any(|m| m["params"]["uri"] == b_uri.as_str()),
        "{:?}",
        c.notifications
    );
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn a_policy_that_does_not_parse_gets_a_syntax_diagnostic_and_the_server_goes_on() {
    let (_dir, lib) = library(&[("a.policy", A)]);
    let mut c = Client::start();
    let uri = file_uri(&lib.join("a.policy"));
    c.open(&uri, A);
    c.diagnostics(&uri);
    let broken = A.replace("for p in", "for p inn");
    c.change(&uri, 2, &broken);
    let d = c.diagnostics(&uri);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "syntax");
    assert!(
        d[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("syntax error: expected"),
        "{d:?}"
    );
    // Requests on the broken text answer (with nothing) rather than fail.
    for method in [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/completion",
    ] {
        let r = c.request(
            method,
            json!({ "textDocument": { "uri": uri }, "position": position_of(&broken, "limits[", 0, true) }),
        );
        assert!(r.get("error").is_none(), "{method}: {r}");
    }
    let f = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(f["result"], Value::Null, "{f}");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn a_burst_of_edits_ends_with_the_diagnostics_of_the_last_text() {
    let (_dir, lib) = library(&[("a.policy", A)]);
    let mut c = Client::start();
    let uri = file_uri(&lib.join("a.policy"));
    c.open(&uri, A);
    c.diagnostics(&uri);
    // Edits sent faster than they are checked: broken, fixed, broken, ...
    // ending with a text whose only error is an unknown table.
    let fixed = A.replace("concentraton", "concentration");
    let broken = A.replace("for p in", "for p inn");
    for i in 0..30 {
        c.change(&uri, i + 2, if i % 2 == 0 { &broken } else { &fixed });
    }
    let last = fixed.replace("in limits", "in limitz");
    c.change(&uri, 40, &last);
    let want = |d: &Vec<Value>| d.len() == 1 && d[0]["code"] == "unknown-name";
    let mut d = c.diagnostics(&uri);
    while !want(&d) {
        d = c.diagnostics(&uri);
    }
    assert!(
        d[0]["message"].as_str().unwrap().contains("`limitz`"),
        "{d:?}"
    );
    // Nothing older is published after it.
    let r = c.request("workspace/symbol", json!({ "query": "" }));
    assert!(r["result"].is_array());
    let stale: Vec<&Value> = c
        .notifications
        .iter()
        .filter(|m| m["params"]["uri"] == uri.as_str())
        .collect();
    assert!(stale.is_empty(), "{stale:?}");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn malformed_messages_and_unknown_methods_never_stop_the_server() {
    let mut c = Client::start();
    // A body that is not JSON: a parse error with a null id.
    c.send_bytes(b"Content-Length: 9\r\n\r\n{not json");
    let e = c.wait_for(|m| m.get("error").is_some());
    assert_eq!(e["error"]["code"], -32700, "{e}");
    assert_eq!(e["id"], Value::Null);
    // JSON that is not a message.
    c.send(&json!({ "hello": "world" }));
    let e = c.wait_for(|m| m.get("error").is_some());
    assert_eq!(e["error"]["code"], -32700, "{e}");
    // A header block without Content-Length.
    c.send_bytes(b"Content-Type: x\r\n\r\n");
    let e = c.wait_for(|m| m.get("error").is_some());
    assert_eq!(e["error"]["code"], -32700, "{e}");
    // An unknown request, an unknown notification, bad params.
    let r = c.request("permitlint/nothing", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    c.notify("permitlint/nothing", json!({ "x": 1 }));
    let r = c.request("textDocument/hover", json!({ "textDocument": 3 }));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    // A notification with params of the wrong shape is ignored.
    c.notify("textDocument/didOpen", json!({ "textDocument": null }));
    // A document never opened, and a position past its end.
    let r = c.at(
        "textDocument/hover",
        "file:///nowhere/x.policy",
        json!({ "line": 99, "character": 99 }),
    );
    assert_eq!(r, Value::Null);
    // Still answering.
    let r = c.request("workspace/symbol", json!({ "query": "" }));
    assert!(r["result"].is_array(), "{r}");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn requests_before_initialize_are_refused_and_exit_without_shutdown_is_1() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_permitlint"))
        .arg("lsp")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    use std::io::Write;
    for m in [
        json!({ "jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {} }),
        json!({ "jsonrpc": "2.0", "method": "exit" }),
    ] {
        let body = m.to_string();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
    }
    stdin.flush().expect("flush");
    let r: Value = serde_json::from_str(&lsp_client::read_frame(&mut stdout).expect("a response"))
        .expect("json");
    assert_eq!(r["error"]["code"], -32002, "{r}");
    assert_eq!(child.wait().expect("wait").code(), Some(1));
}

/// The shipped `policies/` folder, opened at one of its files.
fn shipped(c: &mut Client, rel: &str) -> (String, String) {
    let path = std::fs::canonicalize("policies")
        .expect("policies")
        .join(rel);
    let text = std::fs::read_to_string(&path).expect("read");
    let uri = file_uri(&path);
    c.open(&uri, &text);
    let d = c.diagnostics(&uri);
    assert_eq!(d, Vec::<Value>::new(), "the shipped library checks clean");
    (uri, text)
}

fn hover_text(c: &mut Client, uri: &str, pos: Value) -> String {
    let h = c.at("textDocument/hover", uri, pos);
    h["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn hover_shows_fields_tables_rules_variables_and_builtins() {
    let mut c = Client::start();
    let (uri, text) = shipped(&mut c, "air/gb13223-2011.policy");
    // A permit field: Chinese label, dimension and units.
    let field = hover_text(
        &mut c,
        &uri,
        position_of(&text, "p.concentration", 0, false),
    );
    insta::assert_snapshot!("hover_field", field);
    // A table: caption and rows.
    let table = hover_text(
        &mut c,
        &uri,
        position_of(&text, "gb13223_t1_coal[", 0, true),
    );
    assert!(
        table.contains("燃煤锅炉") && table.contains("| SO2 | 100 mg/m3 | 200 mg/m3 |"),
        "{table}"
    );
    // A loop variable: the record it ranges over.
    let var = hover_text(&mut c, &uri, position_of(&text, "s.kind", 0, true));
    assert!(var.contains("s: an id in `facilities.production`"), "{var}");
    // The rule id: its explain text.
    let rule = hover_text(
        &mut c,
        &uri,
        position_of(&text, "policy air.gb13223-2011.limits", 0, false),
    );
    assert!(
        rule.contains("air.gb13223-2011.limits") && rule.contains("GB 13223-2011 表1"),
        "{rule}"
    );
    // A constant, as written.
    let k = hover_text(
        &mut c,
        &uri,
        position_of(&text, "<= gb13223_nox_note2", 0, false),
    );
    assert_eq!(k, "```\nconst gb13223_nox_note2 = 200 mg/m3\n```");
    // A fact read in another file of the library: its enumeration, weakest first.
    let (uri2, text2) = shipped(&mut c, "online/art20-automatic-networked.policy");
    let fact = hover_text(
        &mut c,
        &uri2,
        position_of(&text2, "facts.required_management", 0, false),
    );
    insta::assert_snapshot!("hover_fact", fact);
    let d = c.at(
        "textDocument/definition",
        &uri2,
        position_of(&text2, "facts.required_management", 0, false),
    );
    assert!(
        d[0]["uri"]
            .as_str()
            .unwrap()
            .ends_with("/policies/library.policy"),
        "{d}"
    );
    // The fact a `derive` writes.
    let (uri3, text3) = shipped(&mut c, "classification/catalogue-2019-industries.policy");
    let derived = hover_text(
        &mut c,
        &uri3,
        position_of(&text3, "derive required_management", 0, false),
    );
    assert_eq!(derived, fact);
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn hover_shows_a_builtin_signature() {
    let (_dir, lib) = library(&[("b.policy", B)]);
    let mut c = Client::start();
    let uri = file_uri(&lib.join("b.policy"));
    c.open(&uri, B);
    let h = hover_text(&mut c, &uri, position_of(B, "len(", 0, true));
    assert!(h.starts_with("```\nlen(arg1)\n```"), "{h}");
    assert_eq!(c.shutdown(), Some(0));
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| i["label"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn completion_offers_fields_enum_values_table_keys_units_and_names() {
    let (_dir, lib) = library(&[("a.policy", &A.replace("concentraton", "concentration"))]);
    let a = A.replace("concentraton", "concentration");
    let mut c = Client::start();
    let uri = file_uri(&lib.join("a.policy"));
    c.open(&uri, &a);
    assert_eq!(c.diagnostics(&uri), Vec::<Value>::new());

    // `p.` on a new line inside the inner loop: a require being typed.
    let at = a.find("      require").unwrap();
    let typing = format!("{}      require p.\n{}", &a[..at], &a[at..]);
    c.change(&uri, 2, &typing);
    let got = labels(&c.at(
        "textDocument/completion",
        &uri,
        position_of(&typing, "require p.", 0, false),
    ));
    for f in ["pollutant", "concentration"] {
        assert!(got.contains(&f.to_string()), "{f} in {got:?}");
    }
    assert!(!got.contains(&"outlets".to_string()), "{got:?}");
    // `o.` gives the outlet's fields.
    let typing = format!("{}      require o.\n{}", &a[..at], &a[at..]);
    c.change(&uri, 3, &typing);
    let got = labels(&c.at(
        "textDocument/completion",
        &uri,
        position_of(&typing, "require o.", 0, false),
    ));
    assert!(
        got.contains(&"pollutants".to_string()) && got.contains(&"standard".to_string()),
        "{got:?}"
    );

    // `o.` in the header of a `for` being typed (no block yet).
    let typing = format!("{}      for q in o.\n{}", &a[..at], &a[at..]);
    c.change(&uri, 40, &typing);
    let got = labels(&c.at(
        "textDocument/completion",
        &uri,
        position_of(&typing, "for q in o.", 0, false),
    ));
    assert!(got.contains(&"pollutants".to_string()), "{got:?}");

    // Enumeration values after `==`.
    let typing = format!(
        "{}      require any s in o.sources: s.kind == \n{}",
        &a[..at],
        &a[at..]
    );
    c.change(&uri, 4, &typing);
    let got = labels(&c.at(
        "textDocument/completion",
        &uri,
        position_of(&typing, "s.kind == ", 0, false),
    ));
    assert!(got.contains(&"coal_boiler".to_string()), "{got:?}");
    // Inside the string already opened.
    let typing = format!(
        "{}      require any s in o.sources: s.kind == \"co\n{}",
        &a[..at],
        &a[at..]
    );
    c.change(&uri, 5, &typing);
    let item = c.at(
        "textDocument/completion",
        &uri,
        position_of(&typing, "s.kind == \"co", 0, false),
    );
    assert!(
        labels(&item).contains(&"coal_boiler".to_string()),
        "{item:?}"
    );
    assert!(item[0].get("insertText").is_none(), "{item:?}");

    // Table keys inside `limits[`.
    c.change(&uri, 5, &a);
    let got = labels(&c.at(
        "textDocument/completion",
        &uri,
        position_of(&a, "limits[", 0, false),
    ));
    assert_eq!(got, ["NOx", "SO2"]);

    // Units after a number.
    let typing = a.replace("| 50 mg/m3  |", "| 50 m |");
    c.change(&uri, 6, &typing);
    let got = labels(&c.at(
        "textDocument/completion",
        &uri,
        position_of(&typing, "| 50 m", 0, false),
    ));
    assert!(
        got.contains(&"mg/m3".to_string()) && got.contains(&"t/a".to_string()),
        "{got:?}"
    );

    // Rule ids after `supersedes`.
    let typing = a.replace("  version 1\n", "  version 1\n  supersedes air.te\n");
    c.change(&uri, 8, &typing);
    let got = labels(&c.at(
        "textDocument/completion",
        &uri,
        position_of(&typing, "supersedes air.te", 0, false),
    ));
    assert_eq!(got, ["air.test.limits"]);

    // Names: variables in scope, tables, permit sections, builtins.
    c.change(&uri, 7, &a);
    let got = labels(&c.at(
        "textDocument/completion",
        &uri,
        position_of(&a, "require ", 0, false),
    ));
    for n in ["p", "o", "limits", "air", "len"] {
        assert!(got.contains(&n.to_string()), "{n} in {got:?}");
    }
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn definition_references_and_symbols() {
    let (_dir, lib) = library(&[("a.policy", &A.replace("concentraton", "concentration"))]);
    let a = A.replace("concentraton", "concentration");
    let mut c = Client::start();
    let uri = file_uri(&lib.join("a.policy"));
    c.open(&uri, &a);
    c.diagnostics(&uri);

    // A table used in a policy → its declaration.
    let d = c.at(
        "textDocument/definition",
        &uri,
        position_of(&a, "limits[", 0, true),
    );
    assert_eq!(d[0]["uri"], uri.as_str());
    assert_eq!(d[0]["range"]["start"], position_of(&a, "limits(", 0, true));
    // A loop variable → its `for`.
    let d = c.at(
        "textDocument/definition",
        &uri,
        position_of(&a, "p.concentration", 0, true),
    );
    assert_eq!(
        d[0]["range"]["start"],
        position_of(&a, "for p", 0, false)
            .as_object()
            .map(|p| {
                json!({ "line": p["line"], "character": p["character"].as_u64().unwrap() - 1 })
            })
            .unwrap()
    );

    // References of the table: the declaration, `in limits` and `limits[...]`.
    let r = c.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": uri }, "position": position_of(&a, "limits[", 0, true),
                "context": { "includeDeclaration": true } }),
    );
    assert_eq!(r["result"].as_array().map(Vec::len), Some(3), "{r}");

    // References of a permit field: every read of `concentration`.
    let r = c.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": uri }, "position": position_of(&a, "p.concentration", 0, false),
                "context": { "includeDeclaration": false } }),
    );
    let spans: Vec<&str> = r["result"]
        .as_array()
        .expect("locations")
        .iter()
        .map(|l| text_at(&a, &l["range"]))
        .collect();
    assert_eq!(spans, ["concentration"], "{r}");

    // A `let` binding: definition and references (the message template too).
    let with_let = a
        .replace(
            "      require p.concentration <= limits[p.pollutant].limit",
            "      let lim = limits[p.pollutant].limit\n      require p.concentration <= lim",
        )
        .replace("\"{p.pollutant} 超标\"", "\"{p.pollutant} 超标 {lim}\"");
    // (Still clean, so no diagnostics are published for it.)
    c.change(&uri, 2, &with_let);
    let d = c.at(
        "textDocument/definition",
        &uri,
        position_of(&with_let, "<= lim", 0, false),
    );
    assert_eq!(
        d[0]["range"]["start"],
        position_of(&with_let, "let lim", 0, false)
            .as_object()
            .map(|p| {
                json!({ "line": p["line"], "character": p["character"].as_u64().unwrap() - 3 })
            })
            .unwrap()
    );
    let r = c.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": uri }, "position": position_of(&with_let, "let lim", 0, false),
                "context": { "includeDeclaration": true } }),
    );
    assert_eq!(r["result"].as_array().map(Vec::len), Some(3), "{r}");
    c.change(&uri, 3, &a);

    // Symbols of the file and of the workspace.
    let s = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    let names: Vec<&str> = s["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["limits", "air.test.limits"]);
    let w = c.request("workspace/symbol", json!({ "query": "test" }));
    assert_eq!(labels_of(&w["result"], "name"), ["air.test.limits"]);
    assert_eq!(c.shutdown(), Some(0));
}

/// The text an LSP range covers (single line).
fn text_at<'a>(text: &'a str, range: &Value) -> &'a str {
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut units = 0;
        for (i, c) in text[start..].char_indices() {
            if units == p["character"].as_u64().unwrap() as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    &text[offset(&range["start"])..offset(&range["end"])]
}

fn labels_of(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|i| i[key].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn formatting_gives_the_text_policy_fmt_writes() {
    let messy = A
        .replace("concentraton", "concentration")
        .replace("  version 1", "version    1")
        .replace("    for p in", "for p in");
    let (_dir, lib) = library(&[("a.policy", &messy)]);
    let mut c = Client::start();
    let uri = file_uri(&lib.join("a.policy"));
    c.open(&uri, &messy);
    let r = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    let edits = r["result"].as_array().expect("edits");
    assert_eq!(edits.len(), 1, "{r}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_permitlint"))
        .args(["policy", "fmt"])
        .arg(&lib)
        .output()
        .expect("policy fmt");
    assert!(out.status.success());
    let formatted = std::fs::read_to_string(lib.join("a.policy")).expect("read");
    assert_ne!(formatted, messy);
    assert_eq!(edits[0]["newText"], formatted.as_str());
    assert_eq!(
        edits[0]["range"]["start"],
        json!({ "line": 0, "character": 0 })
    );
    assert_eq!(edits[0]["range"]["end"], position(&messy, messy.len()));
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn an_open_permit_gets_the_findings_of_check() {
    let path = std::fs::canonicalize("corpus/thermal-power-03-defects.yaml").expect("corpus file");
    let text = std::fs::read_to_string(&path).expect("read");
    let mut c = Client::start();
    let uri = file_uri(&path);
    c.open(&uri, &text);
    let d = c.diagnostics(&uri);
    let limits = d
        .iter()
        .find(|x| {
            x["code"] == "air.gb13223-2011.limits"
                && x["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("NOx 许可排放浓度 150 mg/m3"))
        })
        .unwrap_or_else(|| panic!("{d:?}"));
    let msg = limits["message"].as_str().unwrap();
    assert!(msg.contains("\nbasis: GB 13223-2011"), "{msg}");
    // The underline is the permit value the rule tested; the related
    // information holds the values that made it apply.
    assert_eq!(text_at(&text, &limits["range"]), "150 mg/m3");
    let related = limits["relatedInformation"].as_array().expect("related");
    assert!(
        related.iter().any(|r| r["message"] == "执行标准"),
        "{related:?}"
    );
    // A YAML error is a diagnostic too.
    c.change(&uri, 2, "format: permit/v1\na: [1, 2\n");
    let d = c.diagnostics(&uri);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "document.yaml");
    // YAML that does not declare a format is not taken for a permit.
    c.change(&uri, 3, "jobs: [build, test]\n");
    assert_eq!(c.diagnostics(&uri), Vec::<Value>::new());
    c.change(&uri, 4, &text);
    assert!(!c.diagnostics(&uri).is_empty());
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(c.diagnostics(&uri), Vec::<Value>::new());
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn a_permit_beside_a_library_is_checked_with_the_library_as_edited() {
    let a = A.replace("concentraton", "concentration");
    let (dir, lib) = library(&[("a.policy", &a)]);
    let permits = dir.path().join("permits");
    std::fs::create_dir(&permits).expect("mkdir");
    let permit_text =
        std::fs::read_to_string("corpus/thermal-power-03-defects.yaml").expect("corpus file");
    let permit_path = permits.join("p.yaml");
    std::fs::write(&permit_path, &permit_text).expect("write");

    let mut c = Client::start();
    let permit_uri = file_uri(&permit_path);
    c.open(&permit_uri, &permit_text);
    let codes = |d: &[Value]| -> Vec<String> {
        d.iter()
            .map(|x| x["code"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let d = c.diagnostics(&permit_uri);
    // Only the rule of this library fires (no shipped rule is loaded).
    assert!(codes(&d).iter().any(|c| c == "air.test.limits"), "{d:?}");
    assert!(!codes(&d).iter().any(|c| c.starts_with("air.gb")), "{d:?}");

    // Loosen the rule in the editor: the permit is checked again.
    let policy_uri = file_uri(&lib.join("a.policy"));
    c.open(&policy_uri, &a);
    let loose = a.replace("<= limits[p.pollutant].limit", "<= 100000 mg/m3");
    c.change(&policy_uri, 2, &loose);
    let d = c.diagnostics(&permit_uri);
    assert!(!codes(&d).iter().any(|c| c == "air.test.limits"), "{d:?}");

    // Break the library: the permit says so instead of checking.
    c.change(&policy_uri, 3, &loose.replace("for p in", "for p inn"));
    let d = c.diagnostics(&permit_uri);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        d[0]["message"].as_str().unwrap().contains("has 1 error(s)"),
        "{d:?}"
    );
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn a_code_action_writes_a_suppression_comment_that_needs_a_reason() {
    let path = std::fs::canonicalize("corpus/thermal-power-03-defects.yaml").expect("corpus file");
    let text = std::fs::read_to_string(&path).expect("read");
    let mut c = Client::start();
    let uri = file_uri(&path);
    c.open(&uri, &text);
    let d = c.diagnostics(&uri);
    let limits = d
        .iter()
        .find(|x| x["code"] == "air.gb13223-2011.limits")
        .cloned()
        .unwrap_or_else(|| panic!("{d:?}"));
    let r = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": limits["range"],
            "context": { "diagnostics": [limits] }
        }),
    );
    let actions = r["result"].as_array().expect("actions");
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["kind"], "quickfix");
    let edit = &actions[0]["edit"]["changes"][&uri][0];
    let line = edit["range"]["start"]["line"].as_u64().unwrap() as usize;
    let inserted = edit["newText"].as_str().unwrap();
    assert!(
        inserted
            .trim_start()
            .starts_with("# permitlint: ignore[air.gb13223-2011.limits]"),
        "{inserted}"
    );
    // Applied as is, the comment has no reason: it suppresses nothing and says so.
    let mut lines: Vec<&str> = text.split('\n').collect();
    let bare = inserted.trim_end_matches('\n').to_string();
    lines.insert(line, &bare);
    let applied = lines.join("\n");
    c.change(&uri, 2, &applied);
    let d = c.diagnostics(&uri);
    assert!(
        d.iter().any(|x| x["code"] == "suppression.no-reason"),
        "{d:?}"
    );
    assert!(d.iter().any(|x| x["code"] == "air.gb13223-2011.limits"));
    // With a reason written after the brackets, the finding is gone.
    let reasoned = format!("{bare}改造完成前执行过渡限值（X环函〔2024〕12号）");
    lines[line] = &reasoned;
    c.change(&uri, 3, &lines.join("\n"));
    let d = c.diagnostics(&uri);
    assert!(
        !d.iter().any(|x| x["code"] == "air.gb13223-2011.limits"
            && x["range"]["start"]["line"].as_u64() == Some(line as u64 + 1)),
        "{d:?}"
    );
    assert!(
        !d.iter().any(|x| x["code"] == "suppression.no-reason"),
        "{d:?}"
    );
    // Document findings get no suppression: they are corrected.
    let doc = json!({
        "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 1 } },
        "source": "permitlint", "code": "document.unit", "message": "x"
    });
    let r = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": doc["range"], "context": { "diagnostics": [doc] } }),
    );
    assert_eq!(r["result"], json!([]));
    assert_eq!(c.shutdown(), Some(0));
}
