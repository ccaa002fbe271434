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

/// Installs the log subscriber: `LIAISON_LOG` filters (default `info`), JSON lines when `json`;
/// with the `otel` feature and an OTLP endpoint in the `OTEL_*` variables, spans are exported too.
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
    let registry = tracing_subscriber::registry().with(filter).with(fmt);
    #[cfg(feature = "otel")]
    let registry = registry.with(otel::layer());
    registry.init();
}

/// Sends the spans still buffered (a no-op without the `otel` feature or an endpoint).
pub fn shutdown() {
    #[cfg(feature = "otel")]
    otel::shutdown();
}

/// Makes `span` a child of the trace the caller's `traceparent` names, when spans are exported.
pub fn set_remote_parent(span: &tracing::Span, headers: &axum::http::HeaderMap) {
    #[cfg(feature = "otel")]
    otel::set_remote_parent(span, headers);
    #[cfg(not(feature = "otel"))]
    let _ = (span, headers);
}

/// OTLP/HTTP trace export, configured by the standard `OTEL_*` variables.
#[cfg(feature = "otel")]
mod otel {
    use std::sync::OnceLock;

    use opentelemetry::{propagation::Extractor, trace::TracerProvider as _};
    use opentelemetry_sdk::{
        Resource, propagation::TraceContextPropagator, trace::SdkTracerProvider,
    };
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;

    static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

    /// The export layer, when an endpoint is configured and `OTEL_SDK_DISABLED` is not `true`.
    pub fn layer<S>()
    -> Option<tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::Tracer>>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let endpoint = var("OTEL_EXPORTER_OTLP_ENDPOINT")
            .or_else(|| var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
        let disabled = var("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if endpoint.is_none() || disabled {
            return None;
        }
        let exporter = match opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()
        {
            Ok(exporter) => exporter,
            Err(err) => {
                eprintln!("OpenTelemetry export is off: {err}");
                return None;
            }
        };
        let mut resource = Resource::builder();
        if var("OTEL_SERVICE_NAME").is_none() {
            resource = resource.with_service_name("liaison");
        }
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource.build())
            .build();
        let tracer = provider.tracer("liaison");
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        let _ = PROVIDER.set(provider);
        Some(tracing_opentelemetry::layer().with_tracer(tracer))
    }

    pub fn shutdown() {
        if let Some(provider) = PROVIDER.get() {
            let _ = provider.shutdown();
        }
    }

    struct Headers<'a>(&'a axum::http::HeaderMap);

    impl Extractor for Headers<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key).and_then(|v| v.to_str().ok())
        }
        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(|k| k.as_str()).collect()
        }
    }

    pub fn set_remote_parent(span: &tracing::Span, headers: &axum::http::HeaderMap) {
        if PROVIDER.get().is_none() {
            return;
        }
        let parent =
            opentelemetry::global::get_text_map_propagator(|p| p.extract(&Headers(headers)));
        let _ = span.set_parent(parent);
    }
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
