//! The provider, its enrolled devices, and the closed-loop load: each device thread runs
//! approvals back to back and records how long each provider call and each whole approval
//! took, and its own CPU time (so the provider's share of the process's CPU is known).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nyckel_core::clock::{Clock, SystemClock};
use nyckel_core::protocol::{self as p, Decision, EnrollUri, Enrollment, SoftwareKeyStore};
use nyckel_core::random::SystemRandom;
use nyckel_idp::{Config, Provider, RequestKind, ServerHandle, ServerLimits, SigninFrom};

use super::http::Conn;

/// The provider on loopback with `n` enrolled devices (one user each).
pub struct Env {
    db: PathBuf,
    provider: Provider,
    server: ServerHandle,
    devices: Vec<Device>,
}

struct Device {
    user: String,
    keys: SoftwareKeyStore,
    enrollment: Enrollment,
}

/// What one load run measured.
pub struct Report {
    /// Approvals completed inside the measured window.
    pub approvals: u64,
    /// The window's length.
    pub seconds: f64,
    /// Failed approvals (any refused or unexpected answer), and the first one's reason.
    pub failures: u64,
    pub first_failure: String,
    /// Approvals per second in each tenth of the window (a steady run stays flat).
    pub by_tenth: Vec<f64>,
    /// Latency of one provider call (start, signed GET, response, completion).
    pub call_p50_ms: f64,
    pub call_p99_ms: f64,
    /// Latency of one whole approval (the four calls and the phone's own work).
    pub approval_p50_ms: f64,
    pub approval_p99_ms: f64,
    /// The process's CPU time per approval outside the device threads (the provider's),
    /// plus the sign-in page's in-process calls; and the devices' own.
    pub server_cpu_us: f64,
    pub client_cpu_us: f64,
    /// Rows in the replay-nonce table when the load ended.
    pub nonce_rows: i64,
    /// The replay-nonce table sampled at the start of the window and at the end of each
    /// tenth: eleven samples of its rows and of the rows left behind past their expiry (the
    /// purge with every signed request removes them: a steady table has none).
    pub nonce_samples: Vec<NonceSample>,
    /// Approvals per second in the window's first and last minute (a run of two minutes or
    /// more).
    pub first_last_minute: Option<(f64, f64)>,
    /// The push budget's query per sign-in start, timed on the database as the load left it.
    pub push_budget: PushBudgetProbe,
    /// Sizes of the database file and its write-ahead log when the load ended.
    pub db_bytes: u64,
    pub wal_bytes: u64,
}

/// The replay-nonce table at one moment of the run.
#[derive(Clone, Copy, Debug, Default)]
pub struct NonceSample {
    /// Seconds since the measured window began.
    pub at: f64,
    /// Rows in the table.
    pub rows: i64,
    /// Rows more than a second past their expiry (the purge removes a row at the first
    /// signed request after its expiry: under load, within the second).
    pub expired: i64,
}

/// What one device thread saw.
#[derive(Default)]
struct Tally {
    done_at: Vec<Duration>,
    calls_us: Vec<u32>,
    approvals_us: Vec<u32>,
    failures: u64,
    first_failure: Option<String>,
    client_cpu: Duration,
    page_cpu: Duration,
}

impl Env {
    /// Opens a new provider at `db`, serves it on loopback, enrolls `n` devices. Each device
    /// signs its user in many times a second, which the default rate limit (5 per 10
    /// minutes) refuses: the bench's window is one second with a limit it never reaches, so
    /// the limit's count reads as few rows as it does in production (at most the limit).
    /// All of the load comes from one loopback address (the devices' connections stay open
    /// while `wrk` opens as many), so the per-source connection limit is raised too.
    pub fn start(db: &Path, n: usize) -> Result<Env, String> {
        let defaults = Config::default();
        let server = ServerLimits { max_connections_per_source: 1024, ..defaults.server.clone() };
        let cfg = Config { push_limit: 10_000, push_window: 1, server, ..defaults };
        let provider = Provider::open(db, cfg).map_err(|e| e.to_string())?;
        let server = provider.spawn("127.0.0.1:0").map_err(|e| e.to_string())?;
        let mut conn = Conn::new(server.addr);
        let devices = (0..n)
            .map(|i| {
                let user = format!("user{i}");
                let uri = provider.add_user(&user, None, false).map_err(|e| e.to_string())?;
                let keys = SoftwareKeyStore::new();
                let uri = EnrollUri::parse(&uri.enroll_uri).map_err(|e| e.to_string())?;
                let now = SystemClock.now();
                let (req, state) = p::enroll::begin(&uri, "bench", None, &keys, &SystemRandom, now)
                    .map_err(|e| e.to_string())?;
                let resp = conn.send(&req)?;
                let enrollment = state.finish(&resp, now).map_err(|e| e.to_string())?;
                Ok(Device { user, keys, enrollment })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Env { db: db.to_owned(), provider, server, devices })
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr
    }

    /// Runs every device for a warm-up second plus `window`.
    pub fn load(&mut self, window: Duration) -> Result<Report, String> {
        let warm = Duration::from_secs(1);
        let start = Instant::now();
        let cpu_before = process_cpu();
        type Sampled = Result<(Vec<NonceSample>, Duration), String>;
        let (tallies, sampled): (Vec<Tally>, Sampled) = std::thread::scope(|s| {
            let db = &self.db;
            let sampler = s.spawn(move || sample_nonces(db, start, warm, window));
            let threads: Vec<_> = self
                .devices
                .iter_mut()
                .map(|d| {
                    let provider = &self.provider;
                    let addr = self.server.addr;
                    s.spawn(move || d.run(provider, addr, start, warm, warm + window))
                })
                .collect();
            let tallies = threads.into_iter().map(|t| t.join().expect("device thread")).collect();
            (tallies, sampler.join().expect("nonce sampler"))
        });
        let (nonce_samples, sampler_cpu) = sampled?;
        let cpu = process_cpu().saturating_sub(cpu_before).saturating_sub(sampler_cpu);
        let mut done: Vec<Duration> = tallies.iter().flat_map(|t| t.done_at.clone()).collect();
        done.sort_unstable();
        let mut calls: Vec<u32> = tallies.iter().flat_map(|t| t.calls_us.clone()).collect();
        let mut whole: Vec<u32> = tallies.iter().flat_map(|t| t.approvals_us.clone()).collect();
        let client: Duration = tallies.iter().map(|t| t.client_cpu).sum();
        let page: Duration = tallies.iter().map(|t| t.page_cpu).sum();
        let all = done.len().max(1) as f64; // approvals over the whole run, warm-up included
        let approvals = done.iter().filter(|d| **d >= warm).count() as u64;
        let tenth = window / 10;
        let by_tenth = (0..10)
            .map(|i| {
                let (lo, hi) = (warm + tenth * i, warm + tenth * (i + 1));
                let n = done.iter().filter(|d| **d >= lo && **d < hi).count();
                (n as f64 / tenth.as_secs_f64()).round()
            })
            .collect();
        // In a run of two minutes or more: the rate in its first and its last minute.
        let minute = Duration::from_secs(60);
        let first_last_minute = (window >= 2 * minute).then(|| {
            let rate = |lo: Duration| {
                done.iter().filter(|d| **d >= lo && **d < lo + minute).count() as f64 / 60.0
            };
            (rate(warm), rate(warm + window - minute))
        });
        let failures = tallies.iter().map(|t| t.failures).sum();
        let first_failure =
            tallies.iter().find_map(|t| t.first_failure.clone()).unwrap_or_default();
        let server_cpu = cpu.saturating_sub(client);
        let nonce_rows = nonce_rows(&self.db);
        let push_budget = push_budget_probe(&self.db)?;
        Ok(Report {
            approvals,
            seconds: window.as_secs_f64(),
            failures,
            first_failure,
            by_tenth,
            call_p50_ms: percentile_ms(&mut calls, 0.50),
            call_p99_ms: percentile_ms(&mut calls, 0.99),
            approval_p50_ms: percentile_ms(&mut whole, 0.50),
            approval_p99_ms: percentile_ms(&mut whole, 0.99),
            server_cpu_us: (server_cpu + page).as_secs_f64() * 1e6 / all,
            client_cpu_us: client.saturating_sub(page).as_secs_f64() * 1e6 / all,
            nonce_rows: nonce_rows?,
            nonce_samples,
            first_last_minute,
            push_budget,
            db_bytes: file_size(&self.db),
            wal_bytes: file_size(&self.db.with_extension("db-wal")),
        })
    }
}

impl Device {
    /// Approvals back to back until `end` (since `t0`); those finished before `warm` are
    /// not timed but are counted for the CPU split.
    fn run(
        &mut self,
        provider: &Provider,
        addr: SocketAddr,
        t0: Instant,
        warm: Duration,
        end: Duration,
    ) -> Tally {
        let mut conn = Conn::new(addr);
        let origin = format!("http://{addr}");
        let cpu0 = thread_cpu();
        let mut tally = Tally::default();
        while t0.elapsed() < end {
            let began = Instant::now();
            let mut calls = [0u32; 4];
            match self.approve(provider, &mut conn, &origin, &mut calls, &mut tally.page_cpu) {
                Ok(()) => {
                    let at = t0.elapsed();
                    tally.done_at.push(at);
                    if at >= warm {
                        tally.calls_us.extend_from_slice(&calls);
                        tally.approvals_us.push(micros(began.elapsed()));
                    }
                }
                Err(e) => {
                    tally.failures += 1;
                    tally.first_failure.get_or_insert(e);
                }
            }
        }
        tally.client_cpu = thread_cpu().saturating_sub(cpu0);
        tally
    }

    /// One full approval; `calls` gets each provider call's latency in microseconds.
    fn approve(
        &mut self,
        provider: &Provider,
        conn: &mut Conn,
        origin: &str,
        calls: &mut [u32; 4],
        page_cpu: &mut Duration,
    ) -> Result<(), String> {
        let from = SigninFrom {
            app: "Bench (webb)".into(),
            ip: "127.0.0.1".into(),
            location: "Loopback".into(),
        };
        let (t, cpu) = (Instant::now(), thread_cpu());
        let started = provider
            .start_signin(&self.user, RequestKind::Push, &from)
            .map_err(|e| format!("start: {e}"))?;
        *page_cpu += thread_cpu().saturating_sub(cpu);
        calls[0] = micros(t.elapsed());

        let now = SystemClock.now();
        let (req, fetch) = p::fetch_pending(&self.enrollment, &self.keys, &SystemRandom, now)
            .map_err(|e| e.to_string())?;
        let t = Instant::now();
        let resp = conn.send(&req)?;
        calls[1] = micros(t.elapsed());
        let pending = p::parse_pending(&mut self.enrollment, &fetch, &resp, now)
            .map_err(|e| format!("pending ({}): {e}", resp.status))?;
        let request = pending
            .into_iter()
            .find(|r| r.id == started.id)
            .ok_or("the started request is not listed")?;

        let decision = Decision::Approve { number: started.number };
        let req = p::respond(&mut self.enrollment, &request, decision, &self.keys, now)
            .map_err(|e| e.to_string())?;
        let t = Instant::now();
        let resp = conn.send(&req)?;
        calls[2] = micros(t.elapsed());
        p::parse_respond_result(&self.enrollment, &request, decision, &resp)
            .map_err(|e| format!("respond ({}): {e}", resp.status))?;

        let path = format!("/signin/complete/{}?t={}", started.id, started.status_token);
        let t = Instant::now();
        let resp = conn.exchange("POST", &path, &[("Origin", origin)], b"")?;
        calls[3] = micros(t.elapsed());
        if resp.status != 200 {
            return Err(format!("complete: status {}", resp.status));
        }
        Ok(())
    }
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

fn percentile_ms(v: &mut [u32], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable();
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    f64::from(v[i]) / 1e3
}

/// CPU time of the calling thread.
fn thread_cpu() -> Duration {
    clock(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// CPU time of the whole process (every thread, the provider's included).
fn process_cpu() -> Duration {
    clock(libc::CLOCK_PROCESS_CPUTIME_ID)
}

fn clock(id: libc::clockid_t) -> Duration {
    // SAFETY: a zeroed timespec is a valid out-parameter for clock_gettime.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(id, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

/// Samples the replay-nonce table at the window's start and at the end of each tenth, read
/// from the file (a measurement, not the provider's API); one `COUNT` each, on its own thread.
/// Also returns the thread's CPU time, which is not the provider's.
fn sample_nonces(
    db: &Path,
    t0: Instant,
    warm: Duration,
    window: Duration,
) -> Result<(Vec<NonceSample>, Duration), String> {
    let cpu0 = thread_cpu();
    let e = |e: rusqlite::Error| e.to_string();
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(e)?;
    let mut count = c
        .prepare("SELECT COUNT(*), COALESCE(SUM(expires_at < ?1 - 1), 0) FROM device_nonces")
        .map_err(e)?;
    (0..=10u32)
        .map(|i| {
            let due = warm + window * i / 10;
            std::thread::sleep(due.saturating_sub(t0.elapsed()));
            let at = t0.elapsed().saturating_sub(warm).as_secs_f64();
            // The provider's purge removes rows with `expires_at < now` at each signed request;
            // a row more than a second past that was left behind.
            let (rows, expired) =
                count.query_row([SystemClock.now()], |r| Ok((r.get(0)?, r.get(1)?))).map_err(e)?;
            Ok(NonceSample { at, rows, expired })
        })
        .collect::<Result<Vec<_>, String>>()
        .map(|samples| (samples, thread_cpu().saturating_sub(cpu0)))
}

/// The replay-nonce table's size, read from the file (a measurement, not the provider's API).
fn nonce_rows(db: &Path) -> Result<i64, String> {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| e.to_string())?;
    c.query_row("SELECT count(*) FROM device_nonces", [], |r| r.get(0)).map_err(|e| e.to_string())
}

/// The push budget's extra query per sign-in start (`idp/src/push_budget.rs`): the
/// notifications a user was sent in the last hour, which the provider counts under its write
/// lock before creating each request.
#[derive(Debug, Clone, Copy)]
pub struct PushBudgetProbe {
    /// One run of the query, median over the users, in microseconds (statement cached, pages
    /// in memory, as on the writer).
    pub query_us: f64,
    /// The user's requests of the last hour that the query walks (median over the users).
    pub rows_walked: f64,
    /// What it counts: notified requests of the last hour (median over the users).
    pub notified: f64,
}

/// The provider's statement for the push budget (`NOTIFIED_LAST_HOUR` in
/// `storage/sqlite/requests.rs`), here so the bench can time it on its own; keep the two alike.
const NOTIFIED_LAST_HOUR: &str =
    "SELECT COUNT(*) FROM requests WHERE user_id = ?1 AND created_at > ?2 AND notified";

/// Times [`NOTIFIED_LAST_HOUR`] for each user of the database the load left behind.
fn push_budget_probe(db: &Path) -> Result<PushBudgetProbe, String> {
    const RUNS: usize = 21;
    let e = |e: rusqlite::Error| e.to_string();
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(e)?;
    let since = SystemClock.now().saturating_sub(3600);
    let users: Vec<String> = c
        .prepare("SELECT id FROM users")
        .map_err(e)?
        .query_map([], |r| r.get(0))
        .map_err(e)?
        .collect::<Result<_, _>>()
        .map_err(e)?;
    let mut query = c.prepare(NOTIFIED_LAST_HOUR).map_err(e)?;
    let mut walked = c
        .prepare("SELECT COUNT(*) FROM requests WHERE user_id = ?1 AND created_at > ?2")
        .map_err(e)?;
    let (mut times, mut rows, mut notified) = (Vec::new(), Vec::new(), Vec::new());
    for user in &users {
        let mut runs = Vec::with_capacity(RUNS);
        let mut n = 0i64;
        for _ in 0..RUNS {
            let t = Instant::now();
            n = query.query_row(rusqlite::params![user, since], |r| r.get(0)).map_err(e)?;
            runs.push(t.elapsed().as_secs_f64() * 1e6);
        }
        times.push(median(&mut runs));
        notified.push(n as f64);
        let w: i64 = walked.query_row(rusqlite::params![user, since], |r| r.get(0)).map_err(e)?;
        rows.push(w as f64);
    }
    if users.is_empty() {
        return Err("the load left no users to probe".into());
    }
    Ok(PushBudgetProbe {
        query_us: median(&mut times),
        rows_walked: median(&mut rows),
        notified: median(&mut notified),
    })
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
