//! A small blocking HTTP executor for the core's sans-I/O requests (tests, demos, the CLI).
//! Plain HTTP only (no TLS): meant for loopback.

use std::time::Duration;

use nyckel_core::protocol::{HttpRequest, HttpResponse};

/// Largest response read.
const MAX_RESPONSE: u64 = 1024 * 1024;

/// Sends `req` and returns the response, whatever its status.
pub fn execute(req: &HttpRequest) -> Result<HttpResponse, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut b = ureq::http::Request::builder().method(req.method.as_str()).uri(req.url.as_str());
    for (k, v) in &req.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    let request = b.body(req.body.clone()).map_err(|e| format!("bad request: {e}"))?;
    let mut resp = agent.run(request).map_err(|e| format!("HTTP request failed: {e}"))?;
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let body = resp
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE)
        .read_to_vec()
        .map_err(|e| format!("reading the response failed: {e}"))?;
    Ok(HttpResponse { status, headers, body })
}
