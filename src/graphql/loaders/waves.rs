//! Running a request's batch loads inside its own task, in waves, so statement counts depend on
//! the query's shape alone.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll, Wake, Waker},
};

use futures_util::{StreamExt, future::BoxFuture, stream::FuturesUnordered};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// The batch loads of one HTTP request, run inside the request's task instead of being spawned.
///
/// A spawned batch runs on another worker thread once its delay is over, possibly while the
/// resolvers are still registering keys: resolving a page of 100 rows takes many polls, because
/// every object yields after polling its fields. That split one batch into several and made the
/// statement count depend on page size and timing. Here a batch is only polled once the resolvers
/// wait for data rather than yield, so it takes every key they could register; loaders are built
/// without delay. The batches' statements are counted by the request's counter.
pub struct LoadQueue {
    pub(super) tx: UnboundedSender<BoxFuture<'static, ()>>,
    rx: UnboundedReceiver<BoxFuture<'static, ()>>,
}

impl Default for LoadQueue {
    fn default() -> Self {
        let (tx, rx) = unbounded_channel();
        Self { tx, rx }
    }
}

/// Forwards wake-ups to the task, remembering whether one came while the resolvers were polled.
struct WakeFlag {
    woken: AtomicBool,
    task: Waker,
}

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake_by_ref();
    }
}

impl LoadQueue {
    /// Runs `execution` to completion, driving the batches its loaders start in the same task.
    ///
    /// Batches run in waves: once the resolvers wait for data, every queued batch starts, and the
    /// resolvers resume only when the whole wave has finished. Each wave then holds every key of
    /// the next level of the query, whatever order the database answers in, so the number of
    /// statements depends on the query's shape alone.
    pub async fn run<F: Future>(self, execution: F) -> F::Output {
        let Self { tx, mut rx } = self;
        drop(tx);
        let mut execution = std::pin::pin!(execution);
        let mut running = FuturesUnordered::new();
        std::future::poll_fn(move |cx| {
            loop {
                let flag = Arc::new(WakeFlag {
                    woken: AtomicBool::new(false),
                    task: cx.waker().clone(),
                });
                let waker = Waker::from(flag.clone());
                if let Poll::Ready(output) =
                    execution.as_mut().poll(&mut Context::from_waker(&waker))
                {
                    return Poll::Ready(output);
                }
                // Drive the current wave; a finished batch wakes the resolvers waiting on it.
                while let Poll::Ready(Some(())) = running.poll_next_unpin(cx) {}
                if flag.woken.load(Ordering::Acquire) {
                    // The resolvers have work left (the task is already woken): let them
                    // register all their keys before the next wave takes them.
                    return Poll::Pending;
                }
                if running.is_empty() {
                    let mut started = false;
                    while let Poll::Ready(Some(batch)) = rx.poll_recv(cx) {
                        running.push(batch);
                        started = true;
                    }
                    if started {
                        continue;
                    }
                }
                return Poll::Pending;
            }
        })
        .await
    }
}
