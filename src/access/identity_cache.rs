//! The identity lookups of recent token subjects, kept so that a request does not spend a SQL
//! statement finding out who its caller is.
//!
//! Correct across servers because it is only trusted while it hears every commit: the owner
//! (the HTTP layer) empties it on each committed change any server announces (the event bus: on
//! PostgreSQL every server's LISTEN connection, on SQLite the one process's outbox) and after each
//! local write, and turns it off while the bus is deaf (a lost LISTEN connection). A lookup that
//! raced with a change is not stored: entries carry the generation they were read under, and every
//! emptying starts a new one. Entries also expire after [`IdentityCache::TTL`], which bounds how
//! long a listener that died silently could leave a stale entry.

use std::{
    collections::HashSet,
    num::NonZeroUsize,
    sync::Mutex,
    time::{Duration, Instant},
};

use lru::LruCache;
use uuid::Uuid;

use super::principal::Identity;

/// Which tables a lookup read (the roles of the token decide): part of the key.
pub type Tables = u8;

/// Recent subjects' identities, emptied on every committed change.
pub struct IdentityCache {
    inner: Mutex<Inner>,
}

struct Inner {
    /// Whether entries may be used and stored (the owner hears every commit).
    trusted: bool,
    /// Advanced by every emptying: a lookup read under an older generation is not stored.
    generation: u64,
    entries: LruCache<(String, Tables), Entry>,
    /// Changes this server made and already emptied the cache for, by audit entry: their events
    /// coming back on the bus later must not empty it again (that would undo lookups made since).
    own: HashSet<Uuid>,
}

struct Entry {
    identities: Vec<Identity>,
    stored: Instant,
}

/// Where a lookup that missed the cache may store its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket(u64);

impl IdentityCache {
    /// How long an entry is used at most, whatever the bus says.
    pub const TTL: Duration = Duration::from_secs(30);
    /// How many of this server's own change entries are remembered at most.
    const MAX_OWN: usize = 100_000;

    /// An empty cache of at most `capacity` subjects; untrusted until [`Self::trust`].
    pub fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity.max(1)).expect("non-zero");
        Self {
            inner: Mutex::new(Inner {
                trusted: false,
                generation: 0,
                entries: LruCache::new(capacity),
                own: HashSet::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The identities stored for `subject` and `tables`, or a ticket to store them under (none
    /// while the cache is not trusted).
    pub fn get(&self, subject: &str, tables: Tables) -> Result<Vec<Identity>, Option<Ticket>> {
        let mut inner = self.lock();
        if !inner.trusted {
            return Err(None);
        }
        let ticket = Ticket(inner.generation);
        let key = (subject.to_owned(), tables);
        match inner.entries.get(&key) {
            Some(entry) if entry.stored.elapsed() < Self::TTL => Ok(entry.identities.clone()),
            Some(_) => {
                inner.entries.pop(&key);
                Err(Some(ticket))
            }
            None => Err(Some(ticket)),
        }
    }

    /// Stores a lookup read after `ticket` was issued, unless something changed since.
    pub fn put(&self, ticket: Ticket, subject: &str, tables: Tables, identities: &[Identity]) {
        let mut inner = self.lock();
        if inner.trusted && inner.generation == ticket.0 {
            inner.entries.put(
                (subject.to_owned(), tables),
                Entry {
                    identities: identities.to_vec(),
                    stored: Instant::now(),
                },
            );
        }
    }

    /// Forgets every entry: something was committed.
    pub fn invalidate(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
    }

    /// Forgets every entry after this server committed the changes `entries`, whose events are
    /// then not acted on again when they arrive (see [`Self::heard`]).
    pub fn invalidate_own(&self, entries: impl IntoIterator<Item = Uuid>) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
        if inner.own.len() > Self::MAX_OWN {
            // Entries of rolled-back changes never come back; forgetting them all only costs an
            // extra emptying when the others do.
            inner.own.clear();
        }
        inner.own.extend(entries);
    }

    /// A committed change arrived on the bus: forgets every entry unless this server made the
    /// change and has already done so.
    pub fn heard(&self, entry: Uuid) {
        let mut inner = self.lock();
        if !inner.own.remove(&entry) {
            inner.generation += 1;
            inner.entries.clear();
        }
    }

    /// Whether the owner hears every commit from now on; either way the entries are forgotten.
    pub fn trust(&self, trusted: bool) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
        inner.trusted = trusted;
    }

    /// How many subjects are stored (for tests and metrics).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no subject is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn contact() -> Vec<Identity> {
        vec![Identity::Contact {
            id: Uuid::from_u128(1),
            account_id: Uuid::from_u128(2),
        }]
    }

    #[test]
    fn an_untrusted_cache_neither_answers_nor_stores() {
        let cache = IdentityCache::new(8);
        assert!(matches!(cache.get("peter", 1), Err(None)));
        cache.trust(true);
        let Err(Some(ticket)) = cache.get("peter", 1) else {
            panic!("a trusted cache issues a ticket");
        };
        cache.put(ticket, "peter", 1, &contact());
        assert_eq!(cache.get("peter", 1), Ok(contact()));
        assert!(cache.get("peter", 2).is_err(), "other tables, other entry");
        cache.trust(false);
        assert!(matches!(cache.get("peter", 1), Err(None)));
        cache.trust(true);
        assert!(
            cache.get("peter", 1).is_err(),
            "trusting again starts empty"
        );
    }

    #[test]
    fn a_change_of_this_server_empties_the_cache_once_and_others_always() {
        let cache = IdentityCache::new(8);
        cache.trust(true);
        let store = || {
            let Err(Some(ticket)) = cache.get("peter", 1) else {
                panic!("miss");
            };
            cache.put(ticket, "peter", 1, &contact());
        };
        store();
        let own = Uuid::from_u128(7);
        cache.invalidate_own([own]);
        assert!(cache.is_empty());
        store();
        cache.heard(own);
        assert_eq!(cache.len(), 1, "its own change coming back is not acted on");
        cache.heard(own);
        assert!(cache.is_empty(), "a second arrival is someone else's");
        store();
        cache.heard(Uuid::from_u128(8));
        assert!(cache.is_empty(), "another server's change empties it");
    }

    #[test]
    fn a_lookup_that_raced_with_a_change_is_not_stored() {
        let cache = IdentityCache::new(8);
        cache.trust(true);
        let Err(Some(ticket)) = cache.get("peter", 1) else {
            panic!("miss");
        };
        cache.invalidate();
        cache.put(ticket, "peter", 1, &contact());
        assert!(cache.is_empty());
        let Err(Some(ticket)) = cache.get("peter", 1) else {
            panic!("miss");
        };
        cache.put(ticket, "peter", 1, &contact());
        assert_eq!(cache.len(), 1);
        cache.invalidate();
        assert!(cache.get("peter", 1).is_err());
    }
}
