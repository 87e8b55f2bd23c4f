//! SIGKILL at random points: a seeded spread of delays and a run that is killed after one.
//!
//! The seed comes from `NYCKEL_FAULT_SEED` when set, else from the clock, and is printed
//! (shown by the test runner when a test fails), so a failing spread can be run again. The
//! delays are reproducible; where a kill lands also depends on how fast the machine is.

use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::time::{Duration, Instant};

use super::Run;

/// The seed of this test's spread of kills (printed).
pub fn seed(test: &str) -> u64 {
    let seed =
        std::env::var("NYCKEL_FAULT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
            now.as_nanos() as u64 | 1
        });
    eprintln!("{test}: NYCKEL_FAULT_SEED={seed} reproduces this spread of kills");
    seed
}

/// A deterministic spread (xorshift) of delays over 0–120 % of `span`, the time one whole
/// run takes on this machine now, so most kills land inside the run, wherever its writes are.
pub struct Delays {
    state: u64,
    span: Duration,
}

impl Delays {
    pub fn new(seed: u64, span: Duration) -> Delays {
        Delays { state: seed.max(1), span }
    }
}

impl Iterator for Delays {
    type Item = Duration;
    fn next(&mut self) -> Option<Duration> {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        Some(self.span.mul_f64((self.state % 1200) as f64 / 1000.0))
    }
}

/// How long `cmd` takes, start to exit (it must succeed: it is the measure of a whole run).
pub fn duration_of(cmd: Command) -> Duration {
    let start = Instant::now();
    super::output(cmd, &["(timed run)"], None).ok();
    start.elapsed()
}

/// What became of a run killed after a delay.
pub enum Killed {
    /// It finished first and succeeded: what it printed was acknowledged to the user.
    Finished(Run),
    /// SIGKILL ended it: nothing it would have printed was seen.
    MidWay,
}

/// Starts `cmd`, sends SIGKILL after `delay` (a no-op once it exited) and tells which of
/// the two happened. A run that ended any other way (an error exit) fails the test.
pub fn kill_after(mut cmd: Command, delay: Duration) -> Killed {
    let mut child = cmd.spawn().expect("start nyckel");
    std::thread::sleep(delay);
    let _ = child.kill();
    let out = child.wait_with_output().expect("wait for nyckel");
    if out.status.signal() == Some(9) {
        return Killed::MidWay;
    }
    let run = Run::of(out, &["(killed run)"]);
    run.ok();
    Killed::Finished(run)
}

/// Counts the runs killed mid-way; at the end, a spread where none was proves nothing.
#[derive(Default)]
pub struct KillCount(pub usize);

impl KillCount {
    /// Records one run's fate and returns its output when it finished.
    pub fn record(&mut self, k: Killed) -> Option<Run> {
        match k {
            Killed::Finished(run) => Some(run),
            Killed::MidWay => {
                self.0 += 1;
                None
            }
        }
    }

    /// Asserts that at least one run was killed before it finished.
    pub fn assert_some(&self) {
        assert!(self.0 > 0, "no run was killed before it finished; the test proves nothing");
    }
}
