//! Process telemetry below the HTTP layer: the log subscriber, and the access-check timer that the
//! GraphQL layer feeds without knowing where the figures go (the HTTP layer scopes a histogram per request).

use std::time::Instant;

use prometheus::Histogram;
use tracing_subscriber::Layer as _;

tokio::task_local! {
    /// The histogram access checks made by the request running in this task are recorded in.
    static ACCESS_CHECKS: Histogram;
}

/// Runs `fut` with `histogram` receiving the duration of every access check it times.
pub async fn scope_access_checks<F: Future>(histogram: Histogram, fut: F) -> F::Output {
    ACCESS_CHECKS.scope(histogram, fut).await
}

/// Awaits one access check and records how long it took (nothing is recorded outside a scope).
pub async fn time_access_check<F: Future>(check: F) -> F::Output {
    let started = Instant::now();
    let output = check.await;
    let _ = ACCESS_CHECKS.try_with(|h| h.observe(started.elapsed().as_secs_f64()));
    output
}

/// Installs the log subscriber: `LIAISON_LOG` filters (default `info`), JSON lines when `json`.
pub fn init_tracing(json: bool) {
    use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt};
    let filter = tracing_subscriber::EnvFilter::try_from_env("LIAISON_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let fmt = if json {
        fmt.json().boxed()
    } else {
        fmt.boxed()
    };
    tracing_subscriber::registry().with(filter).with(fmt).init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn checks_are_timed_only_inside_a_scope() {
        let histogram = Histogram::with_opts(prometheus::HistogramOpts::new("t", "t")).unwrap();
        time_access_check(async {}).await;
        assert_eq!(histogram.get_sample_count(), 0);
        scope_access_checks(histogram.clone(), async {
            time_access_check(async {}).await;
            time_access_check(async {}).await;
        })
        .await;
        assert_eq!(histogram.get_sample_count(), 2);
    }
}
