//! Relying-party checks: device-signed requests (§2.2) and assertions (§6, §7), in the
//! WebAuthn order: type, challenge, origin, rpIdHash, UP/UV, signature, then Nyckel's fields.
//! The sign count is checked by the caller inside the consuming transaction.

use nyckel_core::protocol::wire::{
    self, b64, sha256, unb64, verify_p256, ClientData, DecisionKind, FLAG_UP, FLAG_UV,
};

pub use nyckel_core::protocol::wire::AssertionBody;

use crate::error::Error;

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
    /// Reads the four headers through `header` (a header's raw value by name): each must be
    /// present, visible ASCII, non-empty and within its bound (device id 64, timestamp 20,
    /// nonce 64, signature 128 characters), else 400. Their content is checked later
    /// ([`DeviceAuth::ts`], [`DeviceAuth::nonce_ok`], [`DeviceAuth::verify`]).
    pub fn from_headers<'h>(header: impl Fn(&str) -> Option<&'h [u8]>) -> Result<Self, Error> {
        let get = |n: &str, max: usize| -> Result<String, Error> {
            let v = header(n)
                .filter(|v| v.iter().all(|b| *b == b'\t' || (0x20..0x7f).contains(b)))
                .and_then(|v| std::str::from_utf8(v).ok())
                .ok_or_else(|| Error::bad_request(format!("missing {n} header")))?;
            if v.is_empty() || v.len() > max {
                return Err(Error::bad_request(format!("invalid {n} header")));
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
    pub fn ts(&self) -> Result<i64, Error> {
        self.timestamp.parse().map_err(|_| Error::bad_request("invalid Nyckel-Timestamp header"))
    }

    /// Checks the nonce format (16 bytes b64url).
    pub fn nonce_ok(&self) -> bool {
        unb64(&self.nonce).is_some_and(|n| n.len() == 16)
    }

    /// Verifies the request signature with `public_key`.
    pub fn verify(
        &self,
        public_key: &[u8],
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> bool {
        let s = wire::request_signed_string(
            method,
            path_and_query,
            &self.device,
            &self.timestamp,
            &self.nonce,
            body,
        );
        unb64(&self.signature).is_some_and(|sig| verify_p256(public_key, s.as_bytes(), &sig))
    }
}

/// What the provider expects of an assertion for one request.
pub struct Expected<'a> {
    /// The request nonce (challenge).
    pub nonce: &'a [u8],
    /// Identity origin.
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
    #[allow(dead_code)] // read by the tests; the OpenID Connect `amr` claim will use it
    pub user_verified: bool,
}

/// Decoded fields of an assertion body (sizes bounded).
pub struct Decoded {
    auth_data: Vec<u8>,
    client_data: Vec<u8>,
    signature: Vec<u8>,
}

/// Step 2 of §7: decode and bound the fields.
pub fn decode(body: &AssertionBody) -> Result<Decoded, Error> {
    let auth_data = unb64(&body.authenticator_data)
        .filter(|a| (37..=1024).contains(&a.len()))
        .ok_or_else(|| Error::bad_request("invalid authenticatorData"))?;
    let client_data = unb64(&body.client_data_json)
        .filter(|c| c.len() <= 4096)
        .ok_or_else(|| Error::bad_request("invalid clientDataJSON"))?;
    let signature = unb64(&body.signature)
        .filter(|s| (8..=72).contains(&s.len()))
        .ok_or_else(|| Error::bad_request("invalid signature encoding"))?;
    Ok(Decoded { auth_data, client_data, signature })
}

/// Steps 4–7 of §7.
pub fn check(d: &Decoded, e: &Expected<'_>) -> Result<Checked, Error> {
    let cd: ClientData = serde_json::from_slice(&d.client_data)
        .map_err(|_| Error::BadAssertion("clientDataJSON is not valid"))?;
    if cd.typ != "webauthn.get" {
        return Err(Error::BadAssertion("wrong clientData type"));
    }
    if cd.challenge != b64(e.nonce) {
        return Err(Error::BadAssertion("challenge does not match the request"));
    }
    if cd.origin != e.origin {
        return Err(Error::BadAssertion("origin does not match"));
    }
    if cd.cross_origin {
        return Err(Error::BadAssertion("cross-origin assertions are refused"));
    }
    if d.auth_data[..32] != sha256(e.rp_id.as_bytes()) {
        return Err(Error::BadAssertion("rpIdHash does not match"));
    }
    let flags = d.auth_data[32];
    if flags & FLAG_UP == 0 {
        return Err(Error::BadAssertion("user presence flag not set"));
    }
    let user_verified = flags & FLAG_UV != 0;
    let approving = cd
        .nyckel
        .as_ref()
        .is_some_and(|n| DecisionKind::from_wire(&n.decision) == Some(DecisionKind::Approve));
    if approving && e.require_uv_for_approve && !user_verified {
        return Err(Error::BadAssertion("user verification required"));
    }
    let mut msg = d.auth_data.clone();
    msg.extend_from_slice(&sha256(&d.client_data));
    if !verify_p256(e.public_key, &msg, &d.signature) {
        return Err(Error::BadAssertion("signature does not verify"));
    }
    let n = cd.nyckel.ok_or(Error::BadAssertion("nyckel fields missing"))?;
    if n.v != 1 {
        return Err(Error::BadAssertion("unsupported nyckel version"));
    }
    if n.request_id != e.request_id {
        return Err(Error::BadAssertion("assertion is for another request"));
    }
    if n.context_hash != e.context_hash {
        return Err(Error::BadAssertion("context hash does not match"));
    }
    let decision = match (DecisionKind::from_wire(&n.decision), n.number) {
        (Some(DecisionKind::Approve), Some(num)) => Decided::Approve(num),
        (Some(DecisionKind::Approve), None) => {
            return Err(Error::BadAssertion("approval without a number"))
        }
        (Some(DecisionKind::Deny), _) => Decided::Deny,
        (Some(DecisionKind::Report), _) => Decided::Report,
        (None, _) => return Err(Error::BadAssertion("unknown decision")),
    };
    let sign_count =
        u32::from_be_bytes([d.auth_data[33], d.auth_data[34], d.auth_data[35], d.auth_data[36]]);
    Ok(Checked { decision, sign_count, user_verified })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nyckel_core::protocol::assertion::{self, ClientDataFields};
    use nyckel_core::protocol::{DeviceKeyStore, SoftwareKeyStore};

    struct Fixture {
        keys: SoftwareKeyStore,
        pk: Vec<u8>,
        nonce: Vec<u8>,
    }

    fn fixture() -> Fixture {
        let keys = SoftwareKeyStore::new();
        let pk = keys.create_key("k".into(), false).unwrap();
        Fixture { keys, pk, nonce: vec![5u8; 32] }
    }

    fn body(
        f: &Fixture,
        rp: &str,
        uv: bool,
        origin: &str,
        decision: &str,
        number: Option<u8>,
    ) -> AssertionBody {
        let ad = assertion::authenticator_data(rp, uv, 3);
        let cd = assertion::client_data_json(&ClientDataFields {
            challenge: &b64(&f.nonce),
            origin,
            request_id: "req",
            decision,
            number,
            context_hash: "ctx",
        });
        let a = assertion::sign(&f.keys, "k", &f.pk, "cred", ad, cd).unwrap();
        serde_json::from_slice(&a.to_body()).unwrap()
    }

    fn expected<'a>(f: &'a Fixture, uv: bool) -> Expected<'a> {
        Expected {
            nonce: &f.nonce,
            origin: "https://idp.example.se",
            rp_id: "idp.example.se",
            request_id: "req",
            context_hash: "ctx",
            public_key: &f.pk,
            require_uv_for_approve: uv,
        }
    }

    fn run(f: &Fixture, b: &AssertionBody, uv: bool) -> Result<Checked, String> {
        decode(b).and_then(|d| check(&d, &expected(f, uv))).map_err(|e| e.to_string())
    }

    #[test]
    fn accepts_a_core_assertion() {
        let f = fixture();
        let c = run(
            &f,
            &body(&f, "idp.example.se", false, "https://idp.example.se", "approve", Some(42)),
            false,
        )
        .unwrap();
        assert_eq!(c.decision, Decided::Approve(42));
        assert_eq!(c.sign_count, 3);
        assert!(!c.user_verified);
    }

    #[test]
    fn checks_in_webauthn_order() {
        let f = fixture();
        let b = body(&f, "evil.example", false, "https://evil.example", "approve", Some(42));
        // Origin is checked before rpIdHash.
        assert_eq!(run(&f, &b, false).unwrap_err(), "origin does not match");
        let b = body(&f, "evil.example", false, "https://idp.example.se", "approve", Some(42));
        assert_eq!(run(&f, &b, false).unwrap_err(), "rpIdHash does not match");
        let b = body(&f, "idp.example.se", false, "https://idp.example.se", "approve", Some(42));
        assert_eq!(run(&f, &b, true).unwrap_err(), "user verification required");
        let b = body(&f, "idp.example.se", false, "https://idp.example.se", "deny", None);
        assert_eq!(run(&f, &b, true).unwrap().decision, Decided::Deny, "deny needs no UV");
        let b = body(&f, "idp.example.se", false, "https://idp.example.se", "approve", None);
        assert_eq!(run(&f, &b, false).unwrap_err(), "approval without a number");
        let b = body(&f, "idp.example.se", false, "https://idp.example.se", "maybe", None);
        assert_eq!(run(&f, &b, false).unwrap_err(), "unknown decision");
    }

    #[test]
    fn a_flipped_bit_anywhere_fails() {
        let f = fixture();
        let good = body(&f, "idp.example.se", true, "https://idp.example.se", "approve", Some(42));
        for field in 0..3 {
            let mut b = good.clone();
            let s = match field {
                0 => &mut b.authenticator_data,
                1 => &mut b.client_data_json,
                _ => &mut b.signature,
            };
            let mut raw = unb64(s).unwrap();
            let i = raw.len() / 2;
            raw[i] ^= 0x01;
            *s = b64(&raw);
            assert!(run(&f, &b, false).is_err(), "field {field}");
        }
    }

    #[test]
    fn up_flag_required() {
        let f = fixture();
        let mut b =
            body(&f, "idp.example.se", false, "https://idp.example.se", "approve", Some(42));
        let mut ad = unb64(&b.authenticator_data).unwrap();
        ad[32] = 0;
        b.authenticator_data = b64(&ad);
        assert_eq!(run(&f, &b, false).unwrap_err(), "user presence flag not set");
    }
}
