//! Id references, indexed once per permit: `o.sources` names production
//! facilities by id, and following every such reference by scanning its
//! list would make reference-heavy policies quadratic.

use crate::permit::model::Node;
use std::cell::RefCell;
use std::collections::HashMap;

/// Lists of the permit by dotted path (`facilities.production`), each
/// indexed by item id (to the item's position); built lazily, the first
/// time a path is followed.
#[derive(Default)]
pub struct Ids {
    lists: RefCell<HashMap<&'static str, HashMap<Box<str>, usize>>>,
}

fn list<'a>(root: &'a Node, path: &str) -> &'a [Node] {
    let mut node = Some(root);
    for part in path.split('.') {
        node = node.and_then(|n| n.get(part));
    }
    node.map_or(&[][..], |n| n.items())
}

impl Ids {
    /// The item of the list at `path` in `root` whose `id` is `id`. The
    /// first item wins when ids repeat (validation reports duplicates).
    pub fn get<'a>(&self, root: &'a Node, path: &'static str, id: &str) -> Option<&'a Node> {
        let mut lists = self.lists.borrow_mut();
        let index = lists.entry(path).or_insert_with(|| {
            let mut index = HashMap::new();
            for (i, item) in list(root, path).iter().enumerate() {
                if let Some(id) = item.get("id").and_then(|n| n.as_str()) {
                    index.entry(id.into()).or_insert(i);
                }
            }
            index
        });
        index.get(id).and_then(|&i| list(root, path).get(i))
    }
}
