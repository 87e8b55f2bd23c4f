//! Provider responses: signed envelopes (§2.1) and error bodies (§4).

use super::wire::{
    provider_signed_bytes, unb64, verify_p256, Envelope, ErrorBody, Payload, PayloadHeader,
    ServerTime,
};
use super::{Enrollment, HttpResponse, ProtocolError, ProviderCode};

/// Largest provider response body accepted.
pub const MAX_RESPONSE_LEN: usize = 256 * 1024;

/// The code of an error body, read alone so that a malformed `time` beside it keeps it.
#[derive(serde::Deserialize)]
struct ErrorCodeOnly {
    error: ProviderCode,
}

/// A verified payload: its header and the parsed body.
pub(crate) struct Verified<T> {
    pub header: PayloadHeader,
    pub body: T,
}

/// The provider key carried beside an enrollment envelope (unverified until pinned).
pub(crate) fn provider_key_of(resp: &HttpResponse) -> Result<Vec<u8>, ProtocolError> {
    let env = envelope(resp)?;
    env.provider_key
        .as_deref()
        .and_then(unb64)
        .filter(|k| super::wire::is_p256_public_key(k))
        .ok_or(ProtocolError::Malformed("providerKey"))
}

fn envelope(resp: &HttpResponse) -> Result<Envelope, ProtocolError> {
    if resp.body.len() > MAX_RESPONSE_LEN {
        return Err(ProtocolError::TooLarge);
    }
    serde_json::from_slice(&resp.body).map_err(|_| ProtocolError::Malformed("envelope"))
}

/// Maps a non-2xx response to a typed error.
pub(crate) fn error_of(resp: &HttpResponse) -> ProtocolError {
    let code = if resp.body.len() <= MAX_RESPONSE_LEN {
        serde_json::from_slice::<ErrorCodeOnly>(&resp.body).ok().map(|b| b.error)
    } else {
        None
    };
    ProtocolError::Provider {
        status: resp.status,
        code: code.unwrap_or(ProviderCode::Other(String::new())),
    }
}

/// If `resp` is a `clock_skew` error whose signed `time` answers `req_nonce`, returns the
/// provider time from it.
pub(crate) fn skew_time(resp: &HttpResponse, provider_key: &[u8], req_nonce: &str) -> Option<i64> {
    if resp.status != 401 || resp.body.len() > MAX_RESPONSE_LEN {
        return None;
    }
    let body: ErrorBody = serde_json::from_slice(&resp.body).ok()?;
    if body.error != ProviderCode::ClockSkew {
        return None;
    }
    let inner =
        HttpResponse { status: 200, headers: vec![], body: serde_json::to_vec(&body.time?).ok()? };
    let v: Verified<ServerTime> = open(&inner, provider_key, Some(req_nonce)).ok()?;
    Some(v.header.server_time)
}

/// Opens the provider's answer to one of the enrollment's own device-signed requests (sent
/// with `req_nonce`): a signed `clock_skew` answer teaches the enrollment the provider's time
/// and is [`ProtocolError::ClockSkew`]; anything else must be a 2xx envelope signed with the
/// pinned key that answers `req_nonce`. The caller checks the payload's ids and then learns
/// the time from its header.
pub(crate) fn open_answer<T: Payload>(
    enrollment: &mut Enrollment,
    resp: &HttpResponse,
    req_nonce: &str,
    now: i64,
) -> Result<Verified<T>, ProtocolError> {
    let key = enrollment.provider_key_bytes()?;
    if let Some(t) = skew_time(resp, &key, req_nonce) {
        enrollment.learn_time(t, now);
        return Err(ProtocolError::ClockSkew);
    }
    open::<T>(resp, &key, Some(req_nonce))
}

/// Verifies a 2xx signed envelope with `provider_key` and parses its payload.
/// Checks `v`, `typ` (`T::TYP`) and (when given) `reqNonce`.
pub(crate) fn open<T: Payload>(
    resp: &HttpResponse,
    provider_key: &[u8],
    req_nonce: Option<&str>,
) -> Result<Verified<T>, ProtocolError> {
    if !(200..300).contains(&resp.status) {
        return Err(error_of(resp));
    }
    let env = envelope(resp)?;
    let payload = unb64(&env.payload).ok_or(ProtocolError::Malformed("payload"))?;
    let sig = unb64(&env.signature).ok_or(ProtocolError::BadProviderSignature)?;
    if !verify_p256(provider_key, &provider_signed_bytes(&payload), &sig) {
        return Err(ProtocolError::BadProviderSignature);
    }
    let header: PayloadHeader =
        serde_json::from_slice(&payload).map_err(|_| ProtocolError::Malformed("payload header"))?;
    if header.v != super::PROTOCOL_VERSION {
        return Err(ProtocolError::UnexpectedPayload("version"));
    }
    if header.typ != T::TYP {
        return Err(ProtocolError::UnexpectedPayload("type"));
    }
    if let Some(n) = req_nonce {
        if header.req_nonce.as_deref() != Some(n) {
            return Err(ProtocolError::UnexpectedPayload("answers another request"));
        }
    }
    let body: T =
        serde_json::from_slice(&payload).map_err(|_| ProtocolError::Malformed("payload"))?;
    Ok(Verified { header, body })
}
