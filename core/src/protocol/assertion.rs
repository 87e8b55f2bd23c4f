//! The WebAuthn-shaped assertion (§6): authenticatorData, clientDataJSON and the ES256
//! signature over `authenticatorData ‖ SHA-256(clientDataJSON)`.

use super::keys::{sign_checked, DeviceKeyStore};
use super::wire::{b64, sha256, AssertionBody, ClientData, NyckelClientData, FLAG_UP, FLAG_UV};
use super::ProtocolError;

/// A signed assertion, ready to submit.
#[derive(Clone, PartialEq, Eq)]
pub struct Assertion {
    /// The credential id (device id, or phone sign-in credential id).
    pub credential_id: String,
    /// 37 bytes: rpIdHash ‖ flags ‖ signCount.
    pub authenticator_data: Vec<u8>,
    /// The exact clientDataJSON bytes signed.
    pub client_data_json: Vec<u8>,
    /// DER ECDSA P-256 signature.
    pub signature: Vec<u8>,
}

impl std::fmt::Debug for Assertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assertion")
            .field("credential_id", &self.credential_id)
            .finish_non_exhaustive()
    }
}

impl Assertion {
    /// The JSON body of `POST /nyckel/v1/requests/{id}/response`.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(&AssertionBody {
            credential_id: self.credential_id.clone(),
            authenticator_data: b64(&self.authenticator_data),
            client_data_json: b64(&self.client_data_json),
            signature: b64(&self.signature),
        })
        .unwrap_or_default()
    }
}

/// authenticatorData: SHA-256(rpId) ‖ flags ‖ signCount (u32 big-endian); UP always set,
/// UV when `user_verified`.
pub fn authenticator_data(rp_id: &str, user_verified: bool, sign_count: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(37);
    out.extend_from_slice(&sha256(rp_id.as_bytes()));
    out.push(if user_verified { FLAG_UP | FLAG_UV } else { FLAG_UP });
    out.extend_from_slice(&sign_count.to_be_bytes());
    out
}

/// What the Nyckel part of clientDataJSON says.
#[derive(Clone, Copy, Debug)]
pub struct ClientDataFields<'a> {
    /// b64url challenge (the request nonce).
    pub challenge: &'a str,
    /// The provider origin.
    pub origin: &'a str,
    /// Request id.
    pub request_id: &'a str,
    /// `approve`, `deny` or `report`.
    pub decision: &'a str,
    /// The typed number (approve only).
    pub number: Option<u8>,
    /// Context hash (§6).
    pub context_hash: &'a str,
}

/// clientDataJSON bytes, keys in the documented order.
pub fn client_data_json(f: &ClientDataFields<'_>) -> Vec<u8> {
    serde_json::to_vec(&ClientData {
        typ: "webauthn.get".to_owned(),
        challenge: f.challenge.to_owned(),
        origin: f.origin.to_owned(),
        cross_origin: false,
        nyckel: Some(NyckelClientData {
            v: 1,
            request_id: f.request_id.to_owned(),
            decision: f.decision.to_owned(),
            number: f.number.map(i64::from),
            context_hash: f.context_hash.to_owned(),
        }),
    })
    .unwrap_or_default()
}

/// The signed message: `authenticatorData ‖ SHA-256(clientDataJSON)`.
pub fn signed_message(authenticator_data: &[u8], client_data_json: &[u8]) -> Vec<u8> {
    let mut m = authenticator_data.to_vec();
    m.extend_from_slice(&sha256(client_data_json));
    m
}

/// Signs an assertion with a key from the store, checking the store's signature.
pub fn sign(
    keys: &dyn DeviceKeyStore,
    alias: &str,
    public_key: &[u8],
    credential_id: &str,
    authenticator_data: Vec<u8>,
    client_data_json: Vec<u8>,
) -> Result<Assertion, ProtocolError> {
    let msg = signed_message(&authenticator_data, &client_data_json);
    let signature = sign_checked(keys, alias, public_key, &msg)?;
    Ok(Assertion {
        credential_id: credential_id.to_owned(),
        authenticator_data,
        client_data_json,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::keys::SoftwareKeyStore;
    use crate::protocol::wire::verify_p256;

    #[test]
    fn authenticator_data_byte_layout() {
        let a = authenticator_data("idp.example.se", false, 1);
        assert_eq!(a.len(), 37);
        assert_eq!(&a[..32], &sha256(b"idp.example.se"));
        assert_eq!(a[32], 0x01);
        assert_eq!(&a[33..], &[0, 0, 0, 1]);
        let a = authenticator_data("idp.example.se", true, 0x0102_0304);
        assert_eq!(a[32], 0x05);
        assert_eq!(&a[33..], &[1, 2, 3, 4]);
    }

    #[test]
    fn client_data_json_exact_bytes() {
        let j = client_data_json(&ClientDataFields {
            challenge: "AAEC",
            origin: "https://idp.example.se",
            request_id: "cmVx",
            decision: "approve",
            number: Some(42),
            context_hash: "h",
        });
        assert_eq!(
            std::str::from_utf8(&j).unwrap(),
            r#"{"type":"webauthn.get","challenge":"AAEC","origin":"https://idp.example.se","crossOrigin":false,"nyckel":{"v":1,"requestId":"cmVx","decision":"approve","number":42,"contextHash":"h"}}"#
        );
        let j = client_data_json(&ClientDataFields {
            decision: "deny",
            number: None,
            challenge: "A",
            origin: "o",
            request_id: "r",
            context_hash: "h",
        });
        assert!(std::str::from_utf8(&j).unwrap().contains(r#""decision":"deny","number":null"#));
    }

    #[test]
    fn signature_covers_auth_data_and_client_data_hash() {
        let keys = SoftwareKeyStore::new();
        let pk = keys.create_key("k".into(), false).unwrap();
        let ad = authenticator_data("x", false, 7);
        let cd = b"{\"type\":\"webauthn.get\"}".to_vec();
        let a = sign(&keys, "k", &pk, "cred", ad.clone(), cd.clone()).unwrap();
        let mut msg = ad.clone();
        msg.extend_from_slice(&sha256(&cd));
        assert!(verify_p256(&pk, &msg, &a.signature));
        let body: serde_json::Value = serde_json::from_slice(&a.to_body()).unwrap();
        assert_eq!(body["credentialId"], "cred");
        assert_eq!(body["authenticatorData"], b64(&ad));
        assert_eq!(body["clientDataJSON"], b64(&cd));
    }
}
