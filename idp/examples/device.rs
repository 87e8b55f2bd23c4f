//! A scriptable "phone" for tests and demos: enrolls with `nyckel-core` and a
//! `SoftwareKeyStore`, keeps its state in a JSON file, and approves, denies or reports
//! sign-ins over HTTP. Also prints core-made WebAuthn assertions for library cross-checks.
//!
//! ```text
//! device enroll --state F --uri URI
//! device enable-phone-signin --state F --pin PIN
//! device approve --state F (--number N | --deny | --report) [--request ID] [--pin PIN] [--wait SECS]
//! device pending --state F
//! device assertion-sample
//! ```
//! Output is one JSON object on stdout; exit code 1 on failure.

use nyckel_core::random::SystemRandom;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nyckel_core::clock::{Clock, SystemClock};
use nyckel_core::protocol::keys::FixedPin;
use nyckel_core::protocol::wire::{b64, unb64};
use nyckel_core::protocol::{
    self as p, Decision, EnrollUri, Enrollment, HttpRequest, HttpResponse, PendingRequest,
    ProtocolError, SoftwareKeyStore,
};
use serde_json::{json, Value};

/// The device clock (core's).
fn now() -> i64 {
    SystemClock.now()
}

fn send(req: &HttpRequest) -> Result<HttpResponse, String> {
    nyckel_http::execute(req)
}

struct State {
    enrollment: Enrollment,
    keys: SoftwareKeyStore,
}

fn load(path: &Path) -> Result<State, String> {
    let text = std::fs::read(path).map_err(|e| format!("reading state: {e}"))?;
    let v: Value =
        serde_json::from_slice(&text).map_err(|_| "state file is not JSON".to_owned())?;
    let enrollment: Enrollment = serde_json::from_value(v["enrollment"].clone())
        .map_err(|_| "state has no enrollment".to_owned())?;
    let keys = v["keys"].as_str().and_then(unb64).ok_or("state has no keys")?;
    let keys = SoftwareKeyStore::from_bytes(&keys).map_err(|e| e.to_string())?;
    Ok(State { enrollment, keys })
}

fn save(path: &Path, s: &State) -> Result<(), String> {
    let v = json!({"enrollment": s.enrollment, "keys": b64(&s.keys.to_bytes())});
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&v).unwrap_or_default())
        .map_err(|e| e.to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600));
    }
    std::fs::rename(&tmp, path).map_err(|e| e.to_string())
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn flag(args: &[String], name: &str) -> bool {
    args.iter().any(|a| a == name)
}

fn fetch(s: &mut State) -> Result<Vec<PendingRequest>, String> {
    for _ in 0..2 {
        let (req, f) = p::fetch_pending(&s.enrollment, &s.keys, &SystemRandom, now())
            .map_err(|e| e.to_string())?;
        let resp = send(&req)?;
        match p::parse_pending(&mut s.enrollment, &f, &resp, now()) {
            Err(ProtocolError::ClockSkew) => continue,
            other => return other.map_err(|e| e.to_string()),
        }
    }
    Err("clock skew persists".into())
}

fn enroll(args: &[String], state: &Path) -> Result<Value, String> {
    let uri = EnrollUri::parse(&arg(args, "--uri").ok_or("--uri required")?)
        .map_err(|e| e.to_string())?;
    let keys = SoftwareKeyStore::new();
    let (req, st) = p::enroll::begin(&uri, "Testtelefon", None, &keys, &SystemRandom, now())
        .map_err(|e| e.to_string())?;
    let resp = send(&req)?;
    let enrollment = st.finish(&resp, now()).map_err(|e| e.to_string())?;
    let out = json!({"account": enrollment.account_name, "deviceId": enrollment.device_id, "otp": uri.otp.is_some()});
    save(state, &State { enrollment, keys })?;
    Ok(out)
}

fn enable_phone_signin(args: &[String], state: &Path) -> Result<Value, String> {
    let mut s = load(state)?;
    let pin = arg(args, "--pin").ok_or("--pin required")?;
    s.keys.set_pin_source(Some(Arc::new(FixedPin::new(&pin))));
    let (req, fetch) =
        p::request_phone_signin_challenge(&s.enrollment, &s.keys, &SystemRandom, now())
            .map_err(|e| e.to_string())?;
    let challenge =
        fetch.finish(&mut s.enrollment, &send(&req)?, now()).map_err(|e| e.to_string())?;
    let (req, st) =
        p::enable_phone_signin(&s.enrollment, &challenge, &s.keys, &SystemRandom, now())
            .map_err(|e| e.to_string())?;
    let resp = send(&req)?;
    st.finish(&mut s.enrollment, &s.keys, &resp, now()).map_err(|e| e.to_string())?;
    save(state, &s)?;
    Ok(json!({"phoneSignin": true}))
}

fn pending(state: &Path) -> Result<Value, String> {
    let mut s = load(state)?;
    let list = fetch(&mut s)?;
    save(state, &s)?;
    Ok(json!({"requests": list}))
}

/// Approves (or denies/reports) the newest pending request, waiting for one to appear.
pub fn approve(args: &[String], state: &Path) -> Result<Value, String> {
    let mut s = load(state)?;
    if let Some(pin) = arg(args, "--pin") {
        s.keys.set_pin_source(Some(Arc::new(FixedPin::new(&pin))));
    }
    let decision = if flag(args, "--deny") {
        Decision::Deny
    } else if flag(args, "--report") {
        Decision::Report
    } else {
        let n: u8 = arg(args, "--number")
            .ok_or("--number, --deny or --report required")?
            .parse()
            .map_err(|_| "bad --number")?;
        Decision::Approve { number: n }
    };
    let wanted = arg(args, "--request");
    let wait = arg(args, "--wait").and_then(|w| w.parse().ok()).unwrap_or(10u64);
    let deadline = Instant::now() + Duration::from_secs(wait);
    let request = loop {
        let list = fetch(&mut s)?;
        let found = match &wanted {
            Some(id) => list.into_iter().find(|r| &r.id == id),
            None => list.into_iter().max_by_key(|r| r.created_at),
        };
        if let Some(r) = found {
            break r;
        }
        if Instant::now() > deadline {
            return Err("no pending request".into());
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    let http = p::respond(&mut s.enrollment, &request, decision, &s.keys, now())
        .map_err(|e| e.to_string())?;
    save(state, &s)?; // the counter is persisted before sending
    let resp = send(&http)?;
    let outcome = p::parse_respond_result(&s.enrollment, &request, decision, &resp);
    let record = p::ActivityRecord::new(&s.enrollment, &request, &decision, &outcome, now());
    match outcome {
        Ok(o) => Ok(
            json!({"requestId": request.id, "outcome": o, "app": request.app, "activity": record}),
        ),
        Err(e) => Err(format!("{e}")),
    }
}

/// COSE_Key (EC2, ES256) of an uncompressed SEC1 P-256 key, as WebAuthn libraries take it.
fn cose_key(sec1: &[u8]) -> Vec<u8> {
    let mut out = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20];
    out.extend_from_slice(&sec1[1..33]);
    out.extend_from_slice(&[0x22, 0x58, 0x20]);
    out.extend_from_slice(&sec1[33..65]);
    out
}

/// Runs a real enrollment + sign-in against an in-process provider and prints the
/// core-made assertions (push and passwordless) in the shape WebAuthn libraries verify.
fn assertion_sample() -> Result<Value, String> {
    let dir = std::env::temp_dir().join(format!("nyckel-sample-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let db = dir.join("idp.db");
    let provider = nyckel_idp::Provider::open(&db, nyckel_idp::Config::default())
        .map_err(|e| e.to_string())?;
    let server = provider.spawn("127.0.0.1:0").map_err(|e| e.to_string())?;
    let e = provider.add_user("anna", Some("x"), false).map_err(|e| e.to_string())?;
    let state = dir.join("phone.json");
    enroll(&["--uri".into(), e.enroll_uri], &state)?;
    enable_phone_signin(&["--pin".into(), "2468".into()], &state)?;
    let mut samples = Vec::new();
    for kind in [nyckel_idp::RequestKind::Push, nyckel_idp::RequestKind::Passwordless] {
        let from = nyckel_idp::SigninFrom {
            app: "Webbmejl".into(),
            ip: "127.0.0.1".into(),
            location: String::new(),
        };
        let started = provider.start_signin("anna", kind, &from).map_err(|e| e.to_string())?;
        let mut s = load(&state)?;
        s.keys.set_pin_source(Some(Arc::new(FixedPin::new("2468"))));
        let r =
            fetch(&mut s)?.into_iter().find(|r| r.id == started.id).ok_or("request not listed")?;
        let passwordless = kind == nyckel_idp::RequestKind::Passwordless;
        let (public_key, counter_before) = if passwordless {
            let phone = s.enrollment.phone_signin.as_ref();
            (
                phone.map(|p| p.public_key.clone()).unwrap_or_default(),
                phone.map_or(0, |p| p.sign_count),
            )
        } else {
            (s.enrollment.device_public_key.clone(), s.enrollment.sign_count)
        };
        let http = p::respond(
            &mut s.enrollment,
            &r,
            Decision::Approve { number: started.number },
            &s.keys,
            now(),
        )
        .map_err(|e| e.to_string())?;
        save(&state, &s)?;
        let body: Value = serde_json::from_slice(&http.body).map_err(|e| e.to_string())?;
        // Our own provider must accept it too.
        let resp = send(&http)?;
        let accepted = p::parse_respond_result(
            &s.enrollment,
            &r,
            Decision::Approve { number: started.number },
            &resp,
        )
        .is_ok();
        let pk = unb64(&public_key).ok_or("bad key")?;
        samples.push(json!({
            "kind": kind.as_str(),
            "acceptedByNyckelIdp": accepted,
            "response": {
                "id": body["credentialId"], "rawId": body["credentialId"], "type": "public-key",
                "clientExtensionResults": {},
                "response": {"authenticatorData": body["authenticatorData"], "clientDataJSON": body["clientDataJSON"],
                             "signature": body["signature"]}
            },
            "expectedChallenge": r.nonce,
            "expectedOrigin": s.enrollment.origin,
            "expectedRPID": s.enrollment.rp_id,
            "requireUserVerification": passwordless,
            "credential": {"id": body["credentialId"], "publicKeyCose": b64(&cose_key(&pk)), "counter": counter_before},
        }));
    }
    server.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(json!({"samples": samples}))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let state = arg(&args, "--state").map(PathBuf::from);
    let need_state = || state.clone().ok_or_else(|| "--state required".to_owned());
    let result = match args.first().map(String::as_str) {
        Some("enroll") => need_state().and_then(|s| enroll(&args, &s)),
        Some("enable-phone-signin") => need_state().and_then(|s| enable_phone_signin(&args, &s)),
        Some("approve") => need_state().and_then(|s| approve(&args, &s)),
        Some("pending") => need_state().and_then(|s| pending(&s)),
        Some("assertion-sample") => assertion_sample(),
        _ => {
            Err("usage: device enroll|enable-phone-signin|approve|pending|assertion-sample …"
                .into())
        }
    };
    match result {
        Ok(v) => println!("{v}"),
        Err(e) => {
            println!("{}", json!({"error": e}));
            std::process::exit(1);
        }
    }
}
