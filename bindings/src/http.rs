//! HTTP for push approvals: the core opens no sockets, the app executes plain requests with
//! its platform's HTTP stack ([`HttpClient`]: java.net.http / OkHttp, URLSession).

use std::sync::Arc;

use nyckel_core::protocol::{self, wire};

use crate::error::{HttpError, NyckelError};

/// One HTTP header.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpHeader {
    pub name: String,
    pub value: String,
}

/// A request to send exactly as given.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpRequest {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// The full URL (`https://…`; `http://` only for loopback providers).
    pub url: String,
    /// Headers to send, in order.
    pub headers: Vec<HttpHeader>,
    /// The body; empty for none.
    pub body: Vec<u8>,
}

/// The response received, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpResponse {
    pub status: u16,
    /// Response headers (any case).
    pub headers: Vec<HttpHeader>,
    /// The body (Nyckel rejects bodies over 256 KiB; a client may stop reading there).
    pub body: Vec<u8>,
}

/// Executes Nyckel's HTTP requests with the platform's HTTP stack.
///
/// Rules for an implementation: send the request as given (method, URL, headers, body);
/// **never follow redirects** (return the 3xx as the response); use a timeout (10–30 s);
/// return every HTTP status as a response (4xx/5xx carry the provider's error codes); throw
/// `HttpError.Unreachable` only when no response arrived. Nyckel verifies every provider
/// answer itself (signatures against the pinned key), so no extra certificate pinning is
/// needed, but keep the platform's normal TLS validation on.
///
/// Called synchronously on the thread of the `NyckelApprovals` call, with no lock held: a
/// blocking client is right, and the implementation may call back into Nyckel.
#[uniffi::export(foreign)]
pub trait HttpClient: Send + Sync {
    fn execute(&self, request: HttpRequest) -> Result<HttpResponse, HttpError>;
}

/// Sends a core request through the foreign client.
pub(crate) fn send(client: &Arc<dyn HttpClient>, request: protocol::HttpRequest) -> Result<protocol::HttpResponse, NyckelError> {
    let request = HttpRequest {
        method: request.method,
        url: request.url,
        headers: request.headers.into_iter().map(|(name, value)| HttpHeader { name, value }).collect(),
        body: request.body,
    };
    // Values no message may carry (a platform error text may quote the URL or headers).
    let mut hidden: Vec<String> = request
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(wire::H_NONCE) || h.name.eq_ignore_ascii_case(wire::H_SIGNATURE))
        .map(|h| h.value.clone())
        .collect();
    hidden.extend(request.url.split_once('?').map(|(_, query)| query.to_owned()));
    let response = client.execute(request).map_err(|HttpError::Unreachable { reason }| {
        let reason = hidden.iter().filter(|v| !v.is_empty()).fold(reason, |r, v| r.replace(v.as_str(), "…"));
        HttpError::Unreachable { reason }
    })?;
    Ok(protocol::HttpResponse {
        status: response.status,
        headers: response.headers.into_iter().map(|h| (h.name, h.value)).collect(),
        body: response.body,
    })
}
