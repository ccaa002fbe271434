//! A page of rows with their cursors and the facts Relay's `pageInfo` and `totalCount` need.

use super::Cursor;

/// One page of a list with the facts Relay's `pageInfo` and `totalCount` need.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<(Cursor, T)>,
    pub has_next: bool,
    pub has_previous: bool,
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// A page with no rows.
    pub fn empty() -> Self {
        Self {
            items: Vec::new(),
            has_next: false,
            has_previous: false,
            total: Some(0),
        }
    }

    /// Changes the row type, keeping cursors and page facts.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self
                .items
                .into_iter()
                .map(|(cursor, item)| (cursor, f(item)))
                .collect(),
            has_next: self.has_next,
            has_previous: self.has_previous,
            total: self.total,
        }
    }
}
