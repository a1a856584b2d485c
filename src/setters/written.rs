//! The setters stage's results, written item by item as the walk leaves each (a full list or one
//! summary per setter comment), and what undoes the changes should the stage find an error.

use super::{field_path, Change, Seg};
use crate::krm::{Item, KrmResult};
use serde_json::Value;
use std::collections::HashMap;
use std::rc::Rc;

/// What undoes the walk's changes of one item should the stage find an error.
pub(super) enum Undo {
    /// The item's new scalar values kept beside its text, from this many on.
    Scalars(usize, usize),
    /// A field of the item's view and its value before the stage.
    View(usize, Box<[Seg]>, Value),
}

/// The results of the changes, written item by item as the walk leaves each (naming the item as
/// it is after the stage), what undoes them should the stage find an error, and the counts.
#[derive(Default)]
pub(super) struct Written {
    /// Full lists (one result per field), else one summary per setter comment.
    full: bool,
    pub(super) undo: Vec<Undo>,
    pub(super) fields: usize,
    pub(super) resources: usize,
    /// Full lists: one message per distinct setter comment, cloned for each field it changed.
    messages: HashMap<Rc<str>, String>,
    /// Summaries: one per setter comment in the order first seen, found by comment.
    groups: Vec<Group>,
    group_of: HashMap<Rc<str>, usize>,
}

/// The fields one setter comment changed, for its summary.
struct Group {
    comment: Rc<str>,
    count: usize,
    resources: usize,
    /// The item of the last field counted (an item's fields are counted together).
    last_item: usize,
    /// The first [`SUMMARY_FIELDS`] fields, as `Kind/name path`.
    shown: Vec<String>,
    /// The result of the first field (its message written at the end).
    first: KrmResult,
}

/// Fields a summary names by path.
const SUMMARY_FIELDS: usize = 3;

impl Written {
    /// Nothing written yet: full lists when `full`, else summaries.
    pub(super) fn new(full: bool) -> Self {
        Written {
            full,
            ..Written::default()
        }
    }

    /// Results for `changes`, the changes the walk just made to item `index` (which had
    /// `scalars` new scalar values before), and `changes` emptied.
    pub(super) fn take(
        &mut self,
        changes: &mut Vec<Change>,
        (index, item): (usize, &Item),
        scalars: usize,
        results: &mut Vec<KrmResult>,
    ) {
        if changes.is_empty() {
            return;
        }
        self.fields += changes.len();
        self.resources += 1;
        if item.is_materialized() {
            let views = changes
                .iter()
                .map(|c| Undo::View(index, c.path.clone(), c.old.clone()));
            self.undo.extend(views);
        } else {
            self.undo.push(Undo::Scalars(index, scalars));
        }
        if !self.full {
            for change in changes.drain(..) {
                self.group(change, item);
            }
            return;
        }
        let base = KrmResult::info(String::new()).for_item(item);
        results.reserve(changes.len());
        for change in changes.drain(..) {
            let path = field_path(item, &change.path);
            let mut info = base
                .clone()
                .at_field(path, Some(change.old), Some(change.new));
            info.message = match self.messages.get(&change.comment) {
                Some(message) => message.clone(),
                None => {
                    let message = format!("set by setter comment {}", change.comment);
                    self.messages.insert(change.comment, message.clone());
                    message
                }
            };
            results.push(info);
        }
    }

    /// Count `change` of `item` into its comment's summary (its path written only when shown).
    fn group(&mut self, change: Change, item: &Item) {
        let index = match self.group_of.get(&change.comment) {
            Some(&index) => index,
            None => {
                self.group_of
                    .insert(change.comment.clone(), self.groups.len());
                let first = KrmResult::info(String::new()).for_item(item).at_field(
                    field_path(item, &change.path),
                    Some(change.old),
                    Some(change.new),
                );
                self.groups.push(Group {
                    comment: change.comment,
                    count: 0,
                    resources: 0,
                    last_item: usize::MAX,
                    shown: Vec::new(),
                    first,
                });
                self.groups.len() - 1
            }
        };
        let group = &mut self.groups[index];
        group.count += 1;
        if group.shown.len() < SUMMARY_FIELDS {
            let at = match item.namespace() {
                Some(ns) => format!("{}/{ns}/{}", item.kind(), item.name()),
                None => format!("{}/{}", item.kind(), item.name()),
            };
            group
                .shown
                .push(format!("{at} {}", field_path(item, &change.path)));
        }
        if group.last_item != change.item {
            group.resources += 1;
            group.last_item = change.item;
        }
    }

    /// One info result per setter comment (`private-gke.setter-results: summary`): a comment
    /// that changed one field gives the same result as the full list; one that changed more
    /// says how many fields in how many resources and names the first few, located at the
    /// first of them.
    pub(super) fn summaries(self) -> Vec<KrmResult> {
        self.groups
            .into_iter()
            .map(|group| {
                let mut message = format!("set by setter comment {}", group.comment);
                if group.count > 1 {
                    let more = if group.count > SUMMARY_FIELDS { ", …" } else { "" };
                    message.push_str(&format!(
                        ": {} fields in {} resource(s): {}{more} (private-gke.setter-results: full lists each)",
                        group.count,
                        group.resources,
                        group.shown.join(", ")
                    ));
                }
                let mut result = group.first;
                result.message = message;
                result
            })
            .collect()
    }
}
