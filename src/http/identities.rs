//! Keeps the server's identity cache in step with the event bus: emptied on every committed
//! change any server announces, trusted only while the bus hears every commit.

use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;

use crate::{access::identity_cache::IdentityCache, domain::events::Hub};

/// Subjects whose identity lookups a server keeps.
pub const CAPACITY: usize = 10_000;

/// A cache tied to `hub`: a task (on the current tokio runtime; none outside one, and then the
/// cache is never trusted) empties it on each event and trusts it while the bus is listening.
pub fn cache_for(hub: &Hub) -> Arc<IdentityCache> {
    let cache = Arc::new(IdentityCache::new(CAPACITY));
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        // Subscribed before the task starts, so no event after this point is missed.
        let events = hub.subscribe();
        let hearing = hub.hearing();
        runtime.spawn(follow(Arc::downgrade(&cache), events, hearing));
    }
    cache
}

async fn follow(
    cache: std::sync::Weak<IdentityCache>,
    mut events: tokio::sync::broadcast::Receiver<Arc<crate::domain::events::Event>>,
    mut hearing: tokio::sync::watch::Receiver<bool>,
) {
    let trusted = *hearing.borrow_and_update();
    match cache.upgrade() {
        Some(cache) => cache.trust(trusted),
        None => return,
    }
    // The watch ends when its sender goes (at once on SQLite, which always hears): its last
    // value then holds for good.
    let mut watching = true;
    loop {
        tokio::select! {
            event = events.recv() => {
                let Some(cache) = cache.upgrade() else { return };
                match event {
                    Ok(event) => cache.heard(event.entry),
                    Err(RecvError::Lagged(_)) => cache.invalidate(),
                    Err(RecvError::Closed) => {
                        cache.trust(false);
                        return;
                    }
                }
            }
            changed = hearing.changed(), if watching => {
                let Some(cache) = cache.upgrade() else { return };
                match changed {
                    Ok(()) => cache.trust(*hearing.borrow_and_update()),
                    Err(_) => watching = false,
                }
            }
        }
    }
}
