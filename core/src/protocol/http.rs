//! Plain HTTP request/response values exchanged with the caller (sans-I/O).

/// An HTTP request the caller must send as is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `POST` or `DELETE`.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// Headers to send, in order.
    pub headers: Vec<(String, String)>,
    /// The body (empty for none).
    pub body: Vec<u8>,
}

/// The HTTP response the caller received.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Response headers (names in any case).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

use super::keys::{sign_checked, DeviceKeyStore};
use super::url::BaseUrl;
use super::wire::{self, b64};
use super::ProtocolError;
use crate::random::{self, Random};

/// A device-signed request and the nonce it carries (responses must echo it).
pub(crate) struct SignedRequest {
    pub request: HttpRequest,
    pub nonce: String,
}

/// The key that signs a device request.
pub(crate) struct Signer<'a> {
    pub keys: &'a dyn DeviceKeyStore,
    pub alias: &'a str,
    pub public_key: &'a [u8],
    /// Where the request's nonce comes from.
    pub random: &'a dyn Random,
}

/// Builds a device-signed request (`docs/protocol.md` §2.2).
#[allow(clippy::too_many_arguments)]
pub(crate) fn device_request(
    method: &str,
    base_url: &str,
    endpoint: &str,
    query: &str,
    device_id: &str,
    timestamp: i64,
    body: Vec<u8>,
    signer: &Signer<'_>,
) -> Result<SignedRequest, ProtocolError> {
    let base =
        BaseUrl::parse(base_url).map_err(|_| ProtocolError::InvalidEnrollment("base URL"))?;
    let nonce = random::b64(signer.random, 16)?;
    let path_and_query = format!("{}{endpoint}{query}", base.path);
    let ts = timestamp.to_string();
    let to_sign =
        wire::request_signed_string(method, &path_and_query, device_id, &ts, &nonce, &body);
    let sig = sign_checked(signer.keys, signer.alias, signer.public_key, to_sign.as_bytes())?;
    let mut headers = vec![
        (wire::H_DEVICE.to_owned(), device_id.to_owned()),
        (wire::H_TIMESTAMP.to_owned(), ts),
        (wire::H_NONCE.to_owned(), nonce.clone()),
        (wire::H_SIGNATURE.to_owned(), b64(&sig)),
        ("Accept".to_owned(), "application/json".to_owned()),
    ];
    if !body.is_empty() {
        headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    }
    Ok(SignedRequest {
        request: HttpRequest {
            method: method.to_owned(),
            url: format!("{}{endpoint}{query}", base.base),
            headers,
            body,
        },
        nonce,
    })
}
