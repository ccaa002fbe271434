//! The check workloads: the access check alone, in process, without HTTP or GraphQL; live, or as
//! of an instant (`check-at`: the same check through the history tables).

use std::time::Instant;

use liaison::{
    access::{self, Action, as_of::AsOf, principal::Principal},
    domain::clock::Clock,
};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::{Workload, fixtures::Fixtures, measure::peak_rss_kib};
use crate::prng::SplitMix64;

/// The check workload: `samples` random (principal, case) pairs, each `check` timed alone; with
/// `point_in_time`, each asked as of the instant the run started.
pub(super) async fn run(
    db: &DatabaseConnection,
    fixtures: &Fixtures,
    samples: usize,
    seed: u64,
    point_in_time: bool,
) -> Result<(), String> {
    if point_in_time {
        let view = AsOf::new(db, Clock::default().now());
        timed(&view, db, fixtures, samples, seed, Workload::CheckAt).await
    } else {
        timed(db, db, fixtures, samples, seed, Workload::Check).await
    }
}

/// Times `samples` checks on `conn` (the principals are loaded from `db` as they are now).
async fn timed(
    conn: &impl ConnectionTrait,
    db: &DatabaseConnection,
    fixtures: &Fixtures,
    samples: usize,
    seed: u64,
    workload: Workload,
) -> Result<(), String> {
    let mut principals: Vec<Principal> = Vec::new();
    for identity in &fixtures.principals {
        principals.push(
            access::stored_principal(db, *identity)
                .await
                .map_err(|e| e.to_string())?,
        );
    }
    let today = Clock::default().today();
    let mut rng = SplitMix64::new(seed);
    // Warm up the pool and statement caches.
    for _ in 0..samples.min(500) {
        let p = rng.pick(&principals);
        let c = *rng.pick(&fixtures.cases);
        access::check(conn, p, Action::Read, c, today)
            .await
            .map_err(|e| e.to_string())?;
    }
    let mut times = Vec::with_capacity(samples);
    let mut allowed = 0;
    for _ in 0..samples {
        let p = rng.pick(&principals);
        let c = *rng.pick(&fixtures.cases);
        let started = Instant::now();
        let ok = access::check(conn, p, Action::Read, c, today)
            .await
            .map_err(|e| e.to_string())?;
        times.push(started.elapsed().as_nanos() as u64);
        allowed += usize::from(ok);
    }
    times.sort_unstable();
    let at = |p: f64| {
        let rank = ((p / 100.0) * times.len() as f64).ceil() as usize;
        times[rank.clamp(1, times.len()) - 1] as f64 / 1000.0
    };
    let mean = times.iter().sum::<u64>() as f64 / times.len().max(1) as f64 / 1000.0;
    println!(
        "{:<14} samples={} principals={} allowed={} p50={:.1}us p99={:.1}us mean={:.1}us peak_rss={:.1}MiB",
        workload.name(),
        samples,
        principals.len(),
        allowed,
        at(50.0),
        at(99.0),
        mean,
        peak_rss_kib() as f64 / 1024.0
    );
    Ok(())
}
