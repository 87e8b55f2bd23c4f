//! HTTP for push approvals: the core opens no sockets, the app executes plain requests with
//! its platform's HTTP stack ([`HttpClient`]: java.net.http / OkHttp, URLSession).

use std::sync::Arc;

use nyckel_core::approvals::HttpTransport;
use nyckel_core::protocol;

use crate::error::HttpError;

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

/// The exported client seen as the core's `approvals::HttpTransport` (the core strips the
/// request's nonce, signature and query from the error text).
pub(crate) struct HttpAdapter(pub(crate) Arc<dyn HttpClient>);

impl HttpTransport for HttpAdapter {
    fn execute(&self, request: protocol::HttpRequest) -> Result<protocol::HttpResponse, String> {
        let request = HttpRequest {
            method: request.method,
            url: request.url,
            headers: request
                .headers
                .into_iter()
                .map(|(name, value)| HttpHeader { name, value })
                .collect(),
            body: request.body,
        };
        let response =
            self.0.execute(request).map_err(|HttpError::Unreachable { reason }| reason)?;
        Ok(protocol::HttpResponse {
            status: response.status,
            headers: response.headers.into_iter().map(|h| (h.name, h.value)).collect(),
            body: response.body,
        })
    }
}
