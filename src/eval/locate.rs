//! From a span back to the permit path and the field's Chinese label, for
//! fingerprints and for the one-time notice.

use crate::permit::model::{Node, Value};
use crate::schema::permit_v1::ROOT;
use crate::schema::types::{RecordDef, Ty};
use crate::span::Span;

/// `air.outlets[0].pollutants[1].concentration` and `许可排放浓度`.
pub fn locate(root: &Node, span: Span) -> (String, String) {
    let mut path = String::new();
    let mut zh = String::new();
    let mut node = root;
    let mut rec: Option<&'static RecordDef> = Some(&ROOT);
    let mut elem_ty: Option<&'static Ty> = None;
    loop {
        let next = match &node.value {
            Value::Map(entries) => entries.iter().find_map(|e| {
                let inside = e.node.span.start <= span.start && span.end <= e.node.span.end;
                let on_key = e.key_span == span;
                (inside || on_key).then_some((e, on_key))
            }),
            Value::Seq(items) => {
                let hit = items
                    .iter()
                    .enumerate()
                    .find(|(_, n)| n.span.start <= span.start && span.end <= n.span.end);
                match hit {
                    Some((i, n)) => {
                        path.push_str(&format!("[{i}]"));
                        node = n;
                        rec = match elem_ty {
                            Some(Ty::Record(r)) => Some(r),
                            _ => None,
                        };
                        elem_ty = None;
                        if n.span == span {
                            break;
                        }
                        continue;
                    }
                    None => break,
                }
            }
            _ => break,
        };
        let Some((entry, on_key)) = next else { break };
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(&entry.key);
        let field = rec.and_then(|r| r.field(&entry.key));
        if let Some(f) = field {
            zh = f.zh.to_string();
        }
        node = &entry.node;
        match field.map(|f| &f.ty) {
            Some(Ty::Record(r)) => {
                rec = Some(r);
                elem_ty = None;
            }
            Some(Ty::List(inner)) => {
                rec = None;
                elem_ty = Some(inner);
            }
            _ => {
                rec = None;
                elem_ty = None;
            }
        }
        if on_key || entry.node.span == span {
            break;
        }
    }
    (path, zh)
}
