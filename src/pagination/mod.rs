//! Keyset pagination, free of GraphQL and of any one record kind: opaque cursors, validated page
//! requests, pages of root lists, pages of many parents' edges in one statement, and pages cut in
//! memory from short derived lists.

mod cursor;
mod error;
mod in_memory;
mod keyset;
mod page;
mod request;
mod window;

pub use cursor::{Cursor, SortValue};
pub use error::{PageError, PageResult};
pub use in_memory::slice;
pub(crate) use keyset::pageable;
pub use keyset::{Pageable, fetch_page};
pub use page::Page;
pub use request::{PageArgs, Sort, Wants};
pub use window::{fetch_joined_pages_by_parent, fetch_pages_by_parent};
