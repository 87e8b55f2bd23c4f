//! `idp.throughput` and `idp.p99`: nyckel-idp on loopback under 64 concurrent devices, each
//! doing full approvals back to back, against the same server's plain GET rate measured by
//! `wrk` in the same run.
//!
//! One approval is what a sign-in costs the provider after the password: the sign-in page
//! starts a push request (`Provider::start_signin`, the page handler's call after its
//! password check, whose deliberately slow Argon2 is not what this measures), the phone
//! fetches its pending list (a device-signed GET: signature, clock window, replay nonce, a
//! signed answer), approves with the number (an assertion: signature, counter, the decide
//! transaction, a signed answer), and the page completes the sign-in (a session). Phones are
//! nyckel-core's own protocol functions with software keys over one keep-alive connection
//! each (`http.rs`); every answer is checked as a phone checks it.

mod http;
mod load;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::summary::Outcome;

/// Concurrent devices (the load).
pub const DEVICES: usize = 64;

/// `idp.p99`'s target, milliseconds.
const P99_TARGET_MS: f64 = 50.0;

/// How long the load runs.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Seconds of measured load (after a warm-up second).
    pub seconds: u64,
}

impl Plan {
    /// The default: short enough for `cargo xtask bench` to stay within its 10 minutes.
    pub const DEFAULT: Plan = Plan { seconds: 20 };
}

/// Measures both metrics in one run.
pub fn measure(plan: Plan, tmp: &Path) -> (Outcome, Outcome) {
    match run(plan, tmp) {
        Ok(pair) => pair,
        Err(why) => (Outcome::Missing(why.clone()), Outcome::Missing(why)),
    }
}

fn run(plan: Plan, tmp: &Path) -> Result<(Outcome, Outcome), String> {
    std::fs::create_dir_all(tmp).map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir_in(tmp).map_err(|e| e.to_string())?;
    let mut env = load::Env::start(&dir.path().join("idp.db"), DEVICES)?;
    let url = format!("http://{}/nyckel/v1/provider", env.addr());
    // The plain GET rate before and after the load (its mean is the baseline), so a change
    // in the machine's load during the run hits the baseline as it hits the approvals.
    let wrk_secs = plan.seconds.clamp(5, 15);
    let before = wrk(&url, wrk_secs)?;
    let r = env.load(Duration::from_secs(plan.seconds))?;
    let after = wrk(&url, wrk_secs)?;
    let gets = (before.rate + after.rate) / 2.0;
    let get_p99 = (before.p99_ms + after.p99_ms) / 2.0;
    if r.approvals == 0 {
        return Err(format!(
            "no approval completed ({} failures: {})",
            r.failures, r.first_failure
        ));
    }
    let rate = r.approvals as f64 / r.seconds;
    let notes = |o: Outcome| {
        o.with_note("devices", serde_json::json!(DEVICES))
            .with_note("seconds", serde_json::json!(r.seconds))
            .with_note("approvals", serde_json::json!(r.approvals))
            .with_note("failures", serde_json::json!(r.failures))
    };
    let throughput = notes(
        Outcome::measured(
            rate,
            "approvals/s",
            &format!("wrk: plain GET /nyckel/v1/provider, {DEVICES} connections (requests/s)"),
            gets,
            None,
        )
        .with_note("target_ratio_at_least", serde_json::json!(1.0 / 25.0))
        .with_note("target_met", serde_json::json!(rate / gets >= 1.0 / 25.0))
        .with_note(
            "plain_get_before_after",
            serde_json::json!([before.rate.round(), after.rate.round()]),
        )
        .with_note("approvals_per_s_by_tenth", serde_json::json!(r.by_tenth))
        .with_note("server_cpu_us_per_approval", serde_json::json!(r.server_cpu_us.round()))
        .with_note("client_cpu_us_per_approval", serde_json::json!(r.client_cpu_us.round()))
        .with_note("nonce_rows_at_end", serde_json::json!(r.nonce_rows))
        .with_note("nonce_table", nonce_table(&r.nonce_samples))
        .with_note(
            "approvals_per_s_first_last_minute",
            serde_json::json!(r.first_last_minute.map(|(a, b)| [a.round(), b.round()])),
        )
        .with_note(
            "push_budget_query",
            serde_json::json!({
                "us_per_start": (r.push_budget.query_us * 100.0).round() / 100.0,
                "rows_walked": r.push_budget.rows_walked,
                "notified_last_hour": r.push_budget.notified,
            }),
        )
        .with_note("db_bytes_at_end", serde_json::json!(r.db_bytes))
        .with_note("wal_bytes_at_end", serde_json::json!(r.wal_bytes)),
    );
    // The target is absolute (50 ms); the anchor, for scale, is the same server's p99
    // answering wrk's plain GETs at the same concurrency.
    let p99 = notes(
        Outcome::measured(
            r.call_p99_ms,
            "ms",
            &format!("wrk: plain GET p99, {DEVICES} connections"),
            get_p99,
            None,
        )
        .with_note("target_ms_at_most", serde_json::json!(P99_TARGET_MS))
        .with_note("target_met", serde_json::json!(r.call_p99_ms <= P99_TARGET_MS))
        .with_note("call_p50_ms", serde_json::json!(r.call_p50_ms))
        .with_note("approval_p50_ms", serde_json::json!(r.approval_p50_ms))
        .with_note("approval_p99_ms", serde_json::json!(r.approval_p99_ms)),
    );
    Ok((throughput, p99))
}

/// The replay-nonce table over the run: its rows and expired rows at the window's start and
/// at the end of each tenth, and whether it stayed steady — no sample found rows past their
/// expiry left behind (the purge with each signed request keeps up, so the table holds at most
/// one nonce lifetime's signed requests however long the provider runs). A run shorter than
/// the nonce lifetime (10 minutes) only sees the table fill.
fn nonce_table(samples: &[load::NonceSample]) -> serde_json::Value {
    let steady = !samples.is_empty() && samples.iter().all(|s| s.expired == 0);
    serde_json::json!({
        "seconds": samples.iter().map(|s| s.at.round()).collect::<Vec<_>>(),
        "rows": samples.iter().map(|s| s.rows).collect::<Vec<_>>(),
        "expired_rows": samples.iter().map(|s| s.expired).collect::<Vec<_>>(),
        "steady": steady,
    })
}

/// What `wrk` measured.
struct Wrk {
    /// Requests per second.
    rate: f64,
    /// The 99th percentile latency, milliseconds.
    p99_ms: f64,
}

/// `wrk` against `url` with the devices' concurrency.
fn wrk(url: &str, seconds: u64) -> Result<Wrk, String> {
    let out = Command::new("wrk")
        .args(["-t2", &format!("-c{DEVICES}"), &format!("-d{seconds}s"), "--latency", url])
        .output()
        .map_err(|e| format!("wrk (Debian package wrk) did not run: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || text.contains("Non-2xx") || text.contains("Socket errors") {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "wrk failed ({}) or saw errors: {} {}",
            out.status,
            text.trim(),
            err.trim()
        ));
    }
    let field = |prefix: &str| {
        text.lines().find_map(|l| l.trim_start().strip_prefix(prefix).map(str::trim))
    };
    let rate = field("Requests/sec:").and_then(|v| v.parse().ok());
    let p99_ms = field("99%").and_then(millis);
    match (rate, p99_ms) {
        (Some(rate), Some(p99_ms)) => Ok(Wrk { rate, p99_ms }),
        _ => Err(format!("no Requests/sec or 99% line in wrk's output: {}", text.trim())),
    }
}

/// wrk's durations: `812.00us`, `1.20ms`, `2.01s`.
fn millis(v: &str) -> Option<f64> {
    let (num, scale) = if let Some(n) = v.strip_suffix("us") {
        (n, 1e-3)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('m') {
        (n, 60e3)
    } else {
        (v.strip_suffix('s')?, 1e3)
    };
    num.parse::<f64>().ok().map(|n| n * scale)
}

#[cfg(test)]
mod tests {
    use super::millis;

    #[test]
    fn wrk_durations() {
        let near = |v: &str, want: f64| (millis(v).unwrap() - want).abs() < 1e-9;
        assert!(near("812.00us", 0.812));
        assert!(near("1.20ms", 1.2));
        assert!(near("2.01s", 2010.0));
        assert!(near("1.50m", 90e3));
        assert_eq!(millis("fast"), None);
    }
}
