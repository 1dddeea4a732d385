//! Id references, indexed once per permit: `o.sources` names production
//! facilities by id, and following every such reference by scanning its
//! list would make reference-heavy policies quadratic.

use crate::permit::model::Node;
use crate::schema::permit_v1::REFERENCED_LISTS;
use rustc_hash::FxHashMap;

/// The lists references point into (`permit_v1::REFERENCED_LISTS`), each
/// indexed by item id. Built when the permit's evaluation starts (a few
/// small lists); ids borrow from the permit's tree.
pub struct Ids<'a> {
    lists: Vec<Indexed<'a>>,
}

/// One target list: its path, its items and item position by id.
struct Indexed<'a> {
    path: &'static str,
    items: &'a [Node],
    by_id: FxHashMap<&'a str, usize>,
}

impl<'a> Ids<'a> {
    pub fn new(root: &'a Node) -> Ids<'a> {
        let lists = REFERENCED_LISTS
            .iter()
            .map(|&path| {
                let items = root.at_path(path).map_or(&[][..], Node::items);
                let mut by_id = FxHashMap::default();
                for (i, item) in items.iter().enumerate() {
                    if let Some(id) = item.get("id").and_then(|n| n.as_str()) {
                        // The first item wins when ids repeat (validation
                        // reports duplicates).
                        by_id.entry(id).or_insert(i);
                    }
                }
                Indexed { path, items, by_id }
            })
            .collect();
        Ids { lists }
    }

    /// The item of the list at `path` whose `id` is `id` (`None` for a path
    /// that is not a referenced list).
    pub fn get(&self, path: &str, id: &str) -> Option<&'a Node> {
        let l = self.lists.iter().find(|l| l.path == path)?;
        l.by_id.get(id).and_then(|&i| l.items.get(i))
    }
}
