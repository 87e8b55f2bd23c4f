//! The provider clock: system time plus an adjustable offset, so tests can move time.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Identity time in Unix seconds. Cloning shares the offset.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock::default()
    }

    /// The system clock shifted by `offset` seconds.
    pub fn with_offset(offset: i64) -> Self {
        let c = Clock::default();
        c.offset.store(offset, Ordering::SeqCst);
        c
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        let sys =
            SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        sys.saturating_add(self.offset.load(Ordering::SeqCst))
    }

    /// Moves the clock forward (or back, if negative) for everyone sharing it.
    pub fn advance(&self, secs: i64) {
        self.offset.fetch_add(secs, Ordering::SeqCst);
    }
}
