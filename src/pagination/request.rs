//! What a caller asks of a list: its ordering, the validated Relay page arguments, and which
//! optional page facts it wants.

use super::error::{PageError, PageResult};

use super::Cursor;

/// How a list is sorted: an optional column (ties and the rest broken by id), and a direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sort<C> {
    /// Name carried in cursors, so a cursor from another ordering is refused.
    pub name: &'static str,
    pub column: Option<C>,
    pub descending: bool,
}

impl<C> Sort<C> {
    /// Creation order (ids are time-ordered uuids): the ordering of lists that offer no other.
    pub const fn creation(descending: bool) -> Self {
        Sort {
            name: "CREATED",
            column: None,
            descending,
        }
    }

    /// By the `name` column, or by creation when `by_name` is false: the two orders of named lists.
    pub fn by_name_or_creation(name: C, by_name: bool, descending: bool) -> Self {
        if by_name {
            Sort {
                name: "NAME",
                column: Some(name),
                descending,
            }
        } else {
            Sort::creation(descending)
        }
    }
}

/// A validated page request: `first`/`after` forward or `last`/`before` backward.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub limit: u64,
    pub backward: bool,
    pub after: Option<Cursor>,
    pub before: Option<Cursor>,
}

impl PageArgs {
    /// Checks the Relay arguments against the page size limit.
    pub fn new(
        first: Option<i64>,
        after: Option<&str>,
        last: Option<i64>,
        before: Option<&str>,
        default_size: u64,
        max_size: u64,
    ) -> PageResult<Self> {
        let size = |value: i64, field: &str| -> PageResult<u64> {
            if value < 0 {
                return Err(PageError::invalid(
                    field,
                    format!("`{field}` must not be negative"),
                ));
            }
            let value = value as u64;
            if value > max_size {
                return Err(PageError::invalid(
                    field,
                    format!("`{field}` must be at most {max_size}"),
                ));
            }
            Ok(value)
        };
        let (limit, backward) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(PageError::invalid(
                    "last",
                    "pass either `first` or `last`, not both",
                ));
            }
            (Some(first), None) => (size(first, "first")?, false),
            (None, Some(last)) => (size(last, "last")?, true),
            (None, None) => (
                std::cmp::min(default_size, max_size),
                before.is_some() && after.is_none(),
            ),
        };
        Ok(Self {
            limit,
            backward,
            after: after
                .map(|text| Cursor::decode(text, "after"))
                .transpose()?,
            before: before
                .map(|text| Cursor::decode(text, "before"))
                .transpose()?,
        })
    }

    /// Refuses cursors that were made under another ordering.
    pub(super) fn check_order(&self, name: &str) -> PageResult<()> {
        for (cursor, field) in [(&self.after, "after"), (&self.before, "before")] {
            if let Some(cursor) = cursor
                && cursor.order != name
            {
                return Err(PageError::invalid(
                    field,
                    "the cursor belongs to a different ordering",
                ));
            }
        }
        Ok(())
    }
}

/// Which optional facts of a root list the caller asked for (each costs one more statement).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Wants {
    pub total: bool,
    pub has_next: bool,
    pub has_previous: bool,
}
