//! Retention (`Config::retention`): what the provider no longer needs is deleted, in small
//! batches — finished sign-in requests and their push log, expired browser sessions, old
//! events. `serve` runs [`purge`] periodically (`server.rs`), batch after batch while one
//! finds more, each batch its own short write.

use crate::config::Config;
use crate::error::Error;
use crate::model::Purged;
use crate::storage::{PurgeCutoffs, Store};

/// The push budget's look-back: a start counts the user's notifications of the last hour.
const PUSH_BUDGET_HOUR: i64 = 3600;

/// The cutoffs `cfg` gives at `now`. A request is kept at least as long as a sign-in start
/// reads it back (the recognised addresses, the rate limit's window, the push budget's hour),
/// whatever `retention.requests` says.
pub(crate) fn cutoffs(cfg: &Config, now: i64) -> PurgeCutoffs {
    let r = &cfg.retention;
    let requests =
        r.requests.max(cfg.open_requests.recognised_for).max(cfg.push_window).max(PUSH_BUDGET_HOUR);
    PurgeCutoffs {
        now,
        requests: now.saturating_sub(requests),
        sessions: now.saturating_sub(r.sessions.max(0)),
        events: now.saturating_sub(r.events.max(0)),
    }
}

/// Runs one batch of the purge at the provider's time.
pub fn purge(store: &dyn Store, cfg: &Config) -> Result<Purged, Error> {
    Ok(store.purge(&cutoffs(cfg, cfg.clock.now()))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Retention;

    #[test]
    fn requests_are_kept_as_long_as_a_start_reads_them_back() {
        let mut cfg = Config {
            retention: Retention { requests: 10, sessions: 5, events: 7, ..Retention::default() },
            ..Config::default()
        };
        let c = cutoffs(&cfg, 100_000_000);
        assert_eq!(c.requests, 100_000_000 - cfg.open_requests.recognised_for);
        assert_eq!((c.sessions, c.events), (100_000_000 - 5, 100_000_000 - 7));
        cfg.open_requests.recognised_for = 60;
        assert_eq!(
            cutoffs(&cfg, 100_000_000).requests,
            100_000_000 - 3600,
            "the push budget's hour"
        );
        cfg.push_window = 7200;
        assert_eq!(
            cutoffs(&cfg, 100_000_000).requests,
            100_000_000 - 7200,
            "the rate limit's window"
        );
        cfg.retention.requests = 90 * 86_400;
        assert_eq!(cutoffs(&cfg, 100_000_000).requests, 100_000_000 - 90 * 86_400);
    }
}
