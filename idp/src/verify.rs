//! Relying-party checks: device-signed requests (§2.2) and assertions (§6, §7), in the
//! WebAuthn order: type, challenge, origin, rpIdHash, UP/UV, signature, then Nyckel's fields.
//! The sign count is checked by the caller inside the consuming transaction.

use nyckel_core::protocol::wire::{self, b64, sha256, unb64, verify_p256, FLAG_UP, FLAG_UV};
use serde::Deserialize;

use crate::error::ApiError;

/// The four device-auth headers of a request.
#[derive(Clone, Debug)]
pub struct DeviceAuth {
    /// `Nyckel-Device`.
    pub device: String,
    /// `Nyckel-Timestamp`.
    pub timestamp: String,
    /// `Nyckel-Nonce`.
    pub nonce: String,
    /// `Nyckel-Signature` (b64url).
    pub signature: String,
}

impl DeviceAuth {
    /// Reads the headers; missing or oversized → 400.
    pub fn from_headers(h: &axum::http::HeaderMap) -> Result<DeviceAuth, ApiError> {
        let get = |n: &str, max: usize| -> Result<String, ApiError> {
            let v = h
                .get(n)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| ApiError::bad_request(format!("missing {n} header")))?;
            if v.is_empty() || v.len() > max {
                return Err(ApiError::bad_request(format!("invalid {n} header")));
            }
            Ok(v.to_owned())
        };
        Ok(DeviceAuth {
            device: get(wire::H_DEVICE, 64)?,
            timestamp: get(wire::H_TIMESTAMP, 20)?,
            nonce: get(wire::H_NONCE, 64)?,
            signature: get(wire::H_SIGNATURE, 128)?,
        })
    }

    /// The timestamp as a number.
    pub fn ts(&self) -> Result<i64, ApiError> {
        self.timestamp.parse().map_err(|_| ApiError::bad_request("invalid Nyckel-Timestamp header"))
    }

    /// Checks the nonce format (16 bytes b64url).
    pub fn nonce_ok(&self) -> bool {
        unb64(&self.nonce).is_some_and(|n| n.len() == 16)
    }

    /// Verifies the request signature with `public_key`.
    pub fn verify(&self, public_key: &[u8], method: &str, path_and_query: &str, body: &[u8]) -> bool {
        let s = wire::request_signed_string(method, path_and_query, &self.device, &self.timestamp, &self.nonce, body);
        unb64(&self.signature).is_some_and(|sig| verify_p256(public_key, s.as_bytes(), &sig))
    }
}

/// The body of `POST /nyckel/v1/requests/{id}/response`.
#[derive(Deserialize, Debug)]
pub struct AssertionBody {
    /// Credential id.
    #[serde(rename = "credentialId")]
    pub credential_id: String,
    /// b64url authenticatorData.
    #[serde(rename = "authenticatorData")]
    pub authenticator_data: String,
    /// b64url clientDataJSON.
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    /// b64url DER signature.
    pub signature: String,
}

/// What the provider expects of an assertion for one request.
pub struct Expected<'a> {
    /// The request nonce (challenge).
    pub nonce: &'a [u8],
    /// Provider origin.
    pub origin: &'a str,
    /// rpId.
    pub rp_id: &'a str,
    /// Request id.
    pub request_id: &'a str,
    /// The context hash recomputed from the stored request.
    pub context_hash: &'a str,
    /// Credential public key.
    pub public_key: &'a [u8],
    /// True when this credential may only count with UV (phone sign-in approvals).
    pub require_uv_for_approve: bool,
}

/// A decided assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    /// Approve with the typed number (not yet compared).
    Approve(i64),
    /// Deny.
    Deny,
    /// Report.
    Report,
}

/// A verified assertion: the decision, flags and sign count.
#[derive(Debug)]
pub struct Checked {
    /// The decision.
    pub decision: Decided,
    /// The sign count (compare with the stored one).
    pub sign_count: u32,
    /// UV was set.
    pub user_verified: bool,
}

/// Decoded fields of an assertion body (sizes bounded).
pub struct Decoded {
    auth_data: Vec<u8>,
    client_data: Vec<u8>,
    signature: Vec<u8>,
}

/// Step 2 of §7: decode and bound the fields.
pub fn decode(body: &AssertionBody) -> Result<Decoded, ApiError> {
    let auth_data = unb64(&body.authenticator_data)
        .filter(|a| (37..=1024).contains(&a.len()))
        .ok_or_else(|| ApiError::bad_request("invalid authenticatorData"))?;
    let client_data = unb64(&body.client_data_json)
        .filter(|c| c.len() <= 4096)
        .ok_or_else(|| ApiError::bad_request("invalid clientDataJSON"))?;
    let signature = unb64(&body.signature)
        .filter(|s| (8..=72).contains(&s.len()))
        .ok_or_else(|| ApiError::bad_request("invalid signature encoding"))?;
    Ok(Decoded { auth_data, client_data, signature })
}

#[derive(Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    typ: String,
    challenge: String,
    origin: String,
    #[serde(rename = "crossOrigin", default)]
    cross_origin: Option<bool>,
    nyckel: Option<NyckelData>,
}

#[derive(Deserialize)]
struct NyckelData {
    v: u32,
    #[serde(rename = "requestId")]
    request_id: String,
    decision: String,
    number: Option<i64>,
    #[serde(rename = "contextHash")]
    context_hash: String,
}

/// Steps 4–7 of §7.
pub fn check(d: &Decoded, e: &Expected<'_>) -> Result<Checked, ApiError> {
    let cd: ClientData =
        serde_json::from_slice(&d.client_data).map_err(|_| ApiError::bad_assertion("clientDataJSON is not valid"))?;
    if cd.typ != "webauthn.get" {
        return Err(ApiError::bad_assertion("wrong clientData type"));
    }
    if cd.challenge != b64(e.nonce) {
        return Err(ApiError::bad_assertion("challenge does not match the request"));
    }
    if cd.origin != e.origin {
        return Err(ApiError::bad_assertion("origin does not match"));
    }
    if cd.cross_origin == Some(true) {
        return Err(ApiError::bad_assertion("cross-origin assertions are refused"));
    }
    if d.auth_data[..32] != sha256(e.rp_id.as_bytes()) {
        return Err(ApiError::bad_assertion("rpIdHash does not match"));
    }
    let flags = d.auth_data[32];
    if flags & FLAG_UP == 0 {
        return Err(ApiError::bad_assertion("user presence flag not set"));
    }
    let user_verified = flags & FLAG_UV != 0;
    let approving = cd.nyckel.as_ref().is_some_and(|n| n.decision == "approve");
    if approving && e.require_uv_for_approve && !user_verified {
        return Err(ApiError::bad_assertion("user verification required"));
    }
    let mut msg = d.auth_data.clone();
    msg.extend_from_slice(&sha256(&d.client_data));
    if !verify_p256(e.public_key, &msg, &d.signature) {
        return Err(ApiError::bad_assertion("signature does not verify"));
    }
    let n = cd.nyckel.ok_or_else(|| ApiError::bad_assertion("nyckel fields missing"))?;
    if n.v != 1 {
        return Err(ApiError::bad_assertion("unsupported nyckel version"));
    }
    if n.request_id != e.request_id {
        return Err(ApiError::bad_assertion("assertion is for another request"));
    }
    if n.context_hash != e.context_hash {
        return Err(ApiError::bad_assertion("context hash does not match"));
    }
    let decision = match (n.decision.as_str(), n.number) {
        ("approve", Some(num)) => Decided::Approve(num),
        ("approve", None) => return Err(ApiError::bad_assertion("approval without a number")),
        ("deny", _) => Decided::Deny,
        ("report", _) => Decided::Report,
        _ => return Err(ApiError::bad_assertion("unknown decision")),
    };
    let sign_count = u32::from_be_bytes([d.auth_data[33], d.auth_data[34], d.auth_data[35], d.auth_data[36]]);
    Ok(Checked { decision, sign_count, user_verified })
}
