//! Pages cut in memory from a short derived list whose rows all come from a constant number of
//! statements (descendants, contact relationship candidates, who can access a case).

use super::error::PageResult;

use super::{Cursor, Page, PageArgs};

/// One page cut in memory from a complete list already in display order (for short derived lists
/// such as descendants and candidates, whose rows all come from a constant number of statements).
pub fn slice<T>(items: Vec<(Cursor, T)>, args: &PageArgs, order: &str) -> PageResult<Page<T>> {
    args.check_order(order)?;
    let key = |c: &Cursor| (c.value.clone(), c.id);
    let total = items.len() as u64;
    let mut before_after = false;
    let mut after_before = false;
    let mut window: Vec<(Cursor, T)> = Vec::new();
    for (cursor, item) in items {
        if args
            .after
            .as_ref()
            .is_some_and(|after| key(&cursor) <= key(after))
        {
            before_after = true;
        } else if args
            .before
            .as_ref()
            .is_some_and(|before| key(&cursor) >= key(before))
        {
            after_before = true;
        } else {
            window.push((cursor, item));
        }
    }
    let limit = args.limit as usize;
    let extra = window.len() > limit;
    if args.backward {
        let skip = window.len().saturating_sub(limit);
        window.drain(..skip);
    } else {
        window.truncate(limit);
    }
    let (has_next, has_previous) = if args.backward {
        (after_before, extra || before_after)
    } else {
        (extra || after_before, before_after)
    };
    Ok(Page {
        items: window,
        has_next,
        has_previous,
        total: Some(total),
    })
}
