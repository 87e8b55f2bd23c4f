//! The device clock, injected into the core: the one place that reads the system time.
//!
//! Flows take the time as an input (`now`) and measure what passes during a call with a
//! [`Clock`]; tests pass a fake one. Everything that needs "now" outside a flow (the vault's
//! timestamps, the CLI, the bindings) reads [`SystemClock`].

/// Reads the device clock, in Unix seconds.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn now(&self) -> i64;
}

/// The system clock. Before 1970 (a badly set device) it reads 0.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        system_unix_time().unwrap_or(0)
    }
}

/// A closure is a clock (tests: a fake time shared with a scripted provider).
impl<F: Fn() -> i64 + Send + Sync> Clock for F {
    fn now(&self) -> i64 {
        self()
    }
}

/// Seconds since the Unix epoch by the system clock; `None` when it is set before 1970.
pub fn system_unix_time() -> Option<i64> {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(i64::try_from(since.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_clock_is_after_2025_and_closures_are_clocks() {
        assert!(SystemClock.now() > 1_735_689_600);
        assert_eq!(SystemClock.now(), system_unix_time().unwrap());
        let fixed = || 42;
        let clock: &dyn Clock = &fixed;
        assert_eq!(clock.now(), 42);
    }
}
