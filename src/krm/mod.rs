//! The KRM wire format: ResourceList in and out, items, results.

pub mod item;
pub mod oddities;
pub mod resource_list;
pub mod results;
pub(crate) mod writer;

pub use item::{materializations, Item, KeyScan, Origin};
pub use resource_list::{InputError, ResourceList, REREAD_FAILURE};
pub use results::{has_errors, FieldRef, FileRef, KrmResult, ResourceRef, Severity};
