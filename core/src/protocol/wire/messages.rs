//! The JSON messages of the device API (`docs/protocol.md` §4, §6): request bodies the app
//! sends, and the signed payloads and unsigned documents the provider answers with. The app
//! (`nyckel_core::protocol`) and the reference provider (`nyckel-idp`) both build and parse
//! exactly these types, so a field renamed on one side fails to compile on the other.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{context_hash, Context};

/// A signed envelope (§2.1): `payload` is b64url JSON, `signature` the provider's ES256
/// signature over `"nyckel-provider-v1\n" ‖ payload`. `providerKey` rides beside it on
/// enrollment only (unverified until the app pins it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// b64url of the payload JSON.
    pub payload: String,
    /// b64url DER signature.
    pub signature: String,
    /// b64url SEC1 provider key (enrollment answers only).
    #[serde(rename = "providerKey", default, skip_serializing_if = "Option::is_none")]
    pub provider_key: Option<String>,
}

/// A signed payload body: its `typ` is fixed per type.
pub trait Payload: Serialize + DeserializeOwned {
    /// The payload's `typ`.
    const TYP: &'static str;
}

/// The fields every signed payload has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayloadHeader {
    /// Protocol version (1).
    pub v: u32,
    /// Payload type (`nyckel.pending`, …).
    pub typ: String,
    /// Provider time when signed.
    #[serde(rename = "serverTime")]
    pub server_time: i64,
    /// The device-signed request's `Nyckel-Nonce` (or the `time` query's nonce) answered.
    #[serde(rename = "reqNonce", default, skip_serializing_if = "Option::is_none")]
    pub req_nonce: Option<String>,
}

/// A complete payload: header plus body, as the provider serialises it before signing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Signed<T: Payload> {
    /// `v`, `typ`, `serverTime`, `reqNonce`.
    #[serde(flatten)]
    pub header: PayloadHeader,
    /// The type's fields.
    #[serde(flatten)]
    pub body: T,
}

impl<T: Payload> Signed<T> {
    /// A version-1 payload of type `T::TYP`.
    pub fn new(server_time: i64, req_nonce: Option<&str>, body: T) -> Self {
        Signed {
            header: PayloadHeader {
                v: 1,
                typ: T::TYP.to_owned(),
                server_time,
                req_nonce: req_nonce.map(str::to_owned),
            },
            body,
        }
    }
}

/// `POST /nyckel/v1/enroll` body (§4.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// The single-use activation code from the enrollment URI.
    #[serde(rename = "activationCode")]
    pub activation_code: String,
    /// b64url SEC1 device public key.
    #[serde(rename = "devicePublicKey")]
    pub device_public_key: String,
    /// The device's display name.
    #[serde(rename = "deviceName")]
    pub device_name: String,
    /// Opaque push token, or null.
    #[serde(rename = "pushToken", default)]
    pub push_token: Option<String>,
}

/// `nyckel.enrolled` (§4.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolled {
    /// New device id (= its device credential id).
    #[serde(rename = "deviceId")]
    pub device_id: String,
    /// The user's id.
    #[serde(rename = "userId")]
    pub user_id: String,
    /// The account name.
    #[serde(rename = "accountName")]
    pub account_name: String,
    /// Provider display name.
    #[serde(default)]
    pub issuer: Option<String>,
    /// WebAuthn rpId.
    #[serde(rename = "rpId")]
    pub rp_id: String,
    /// Provider origin.
    pub origin: String,
    /// Echo of the registered device key.
    #[serde(rename = "devicePublicKey")]
    pub device_public_key: String,
    /// Enrolled with a transfer code (§4.10): the device this one replaces, revoked at this
    /// device's first authenticated call. Absent for an ordinary enrollment.
    #[serde(rename = "replacesDeviceId", default, skip_serializing_if = "Option::is_none")]
    pub replaces_device_id: Option<String>,
}

impl Payload for Enrolled {
    const TYP: &'static str = "nyckel.enrolled";
}

/// What kind of sign-in a request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestKind {
    /// Password + push approval (device key).
    Push,
    /// Passwordless phone sign-in (phone sign-in key with user verification).
    Passwordless,
}

impl RequestKind {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Push => "push",
            RequestKind::Passwordless => "passwordless",
        }
    }
}

/// A sign-in request as listed to a device (§4.2) and bound into its assertion (§6). Show
/// `app`, `ip`, `location`, the account and the time, then ask for the number.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRequest {
    /// Request id.
    pub id: String,
    /// The WebAuthn challenge (b64url). Not secret, but never shown or logged.
    pub nonce: String,
    /// Push or passwordless.
    pub kind: RequestKind,
    /// Account name.
    #[serde(rename = "accountName")]
    pub account_name: String,
    /// The application asking for the sign-in.
    pub app: String,
    /// The client's IP address.
    pub ip: String,
    /// Approximate location (may be empty).
    pub location: String,
    /// Creation time (provider clock).
    #[serde(rename = "createdAt")]
    pub created_at: i64,
    /// Expiry (provider clock).
    #[serde(rename = "expiresAt")]
    pub expires_at: i64,
    /// Relying-party id.
    #[serde(rename = "rpId")]
    pub rp_id: String,
    /// Provider origin.
    pub origin: String,
}

impl std::fmt::Debug for PendingRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingRequest")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("account_name", &self.account_name)
            .field("app", &self.app)
            .field("ip", &self.ip)
            .field("location", &self.location)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl PendingRequest {
    /// The context hash bound into the assertion (§6): the app signs it, the provider
    /// recomputes it from the stored request. The one builder of a request's context.
    pub fn context_hash(&self) -> String {
        context_hash(&Context {
            request_id: &self.id,
            kind: self.kind.as_str(),
            account_name: &self.account_name,
            app: &self.app,
            ip: &self.ip,
            location: &self.location,
            created_at: self.created_at,
            expires_at: self.expires_at,
            rp_id: &self.rp_id,
            origin: &self.origin,
        })
    }
}

/// `nyckel.pending` (§4.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingList {
    /// The asking device.
    #[serde(rename = "deviceId")]
    pub device_id: String,
    /// Its user.
    #[serde(rename = "userId")]
    pub user_id: String,
    /// Pending, unexpired requests, newest first.
    pub requests: Vec<PendingRequest>,
}

impl Payload for PendingList {
    const TYP: &'static str = "nyckel.pending";
}

/// The user's answer in an assertion (`nyckel.decision` of clientDataJSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecisionKind {
    /// Approve with a number.
    Approve,
    /// Deny.
    Deny,
    /// Deny and report.
    Report,
}

impl DecisionKind {
    /// Wire name.
    pub fn as_wire(self) -> &'static str {
        match self {
            DecisionKind::Approve => "approve",
            DecisionKind::Deny => "deny",
            DecisionKind::Report => "report",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(s: &str) -> Option<Self> {
        match s {
            "approve" => Some(DecisionKind::Approve),
            "deny" => Some(DecisionKind::Deny),
            "report" => Some(DecisionKind::Report),
            _ => None,
        }
    }
}

/// What the provider did with a response: the state a decision leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RespondOutcome {
    /// The sign-in was approved.
    Approved,
    /// The sign-in was denied.
    Denied,
    /// Denied and reported as suspicious.
    Reported,
}

impl RespondOutcome {
    /// Wire name (`approved`, `denied`, `reported`).
    pub fn as_wire(self) -> &'static str {
        match self {
            RespondOutcome::Approved => "approved",
            RespondOutcome::Denied => "denied",
            RespondOutcome::Reported => "reported",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(s: &str) -> Option<Self> {
        match s {
            "approved" => Some(RespondOutcome::Approved),
            "denied" => Some(RespondOutcome::Denied),
            "reported" => Some(RespondOutcome::Reported),
            _ => None,
        }
    }
}

/// `POST /nyckel/v1/requests/{id}/response` body (§4.3): a WebAuthn-shaped assertion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssertionBody {
    /// Credential id (the device id, or the phone sign-in credential id).
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

/// clientDataJSON (§6), keys in the documented order (the bytes are signed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientData {
    /// `webauthn.get`.
    #[serde(rename = "type")]
    pub typ: String,
    /// b64url request nonce.
    pub challenge: String,
    /// Provider origin.
    pub origin: String,
    /// Always false from Nyckel apps; a `true` is refused.
    #[serde(rename = "crossOrigin", default)]
    pub cross_origin: bool,
    /// Nyckel's fields (required; optional here so their absence is a checked refusal).
    #[serde(default)]
    pub nyckel: Option<NyckelClientData>,
}

/// The `nyckel` member of clientDataJSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NyckelClientData {
    /// 1.
    pub v: u32,
    /// The request answered.
    #[serde(rename = "requestId")]
    pub request_id: String,
    /// `approve`, `deny` or `report` ([`DecisionKind`]).
    pub decision: String,
    /// The typed number (approve only; null otherwise). Any integer parses: a signed
    /// approval with a number out of range is a wrong number, not a malformed body.
    pub number: Option<i64>,
    /// The request's context hash ([`PendingRequest::context_hash`]).
    #[serde(rename = "contextHash")]
    pub context_hash: String,
}

/// `nyckel.result` (§4.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigninResult {
    /// The request decided.
    #[serde(rename = "requestId")]
    pub request_id: String,
    /// `approved`, `denied` or `reported` ([`RespondOutcome`]; kept as text so an unknown
    /// state is a checked refusal).
    pub state: String,
    /// The credential of the assertion applied (optional in v1).
    #[serde(rename = "credentialId", default, skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    /// That assertion's signature counter (optional in v1).
    #[serde(rename = "signCount", default, skip_serializing_if = "Option::is_none")]
    pub sign_count: Option<u32>,
    /// `reported` only (optional in v1): until when the provider blocks new sign-ins for the
    /// user (Unix seconds; the administrator may lift it earlier).
    #[serde(rename = "blockedUntil", default, skip_serializing_if = "Option::is_none")]
    pub blocked_until: Option<i64>,
    /// `reported` only (optional in v1): whom the user contacts, as the provider's
    /// administrator configured it ("IT-support 040-123 45 67").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

impl Payload for SigninResult {
    const TYP: &'static str = "nyckel.result";
}

/// `nyckel.phone-signin-challenge` (§4.4): the single-use challenge a phone sign-in key
/// signs (and a platform attests) to be registered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneSigninChallenge {
    /// The device.
    #[serde(rename = "deviceId")]
    pub device_id: String,
    /// The challenge (b64url, opaque to the app; at most 128 characters).
    pub challenge: String,
    /// Until when the provider accepts it (Unix seconds).
    #[serde(rename = "expiresAt")]
    pub expires_at: i64,
}

impl Payload for PhoneSigninChallenge {
    const TYP: &'static str = "nyckel.phone-signin-challenge";
}

/// `POST /nyckel/v1/phone-signin` body (§4.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneSigninRequest {
    /// b64url SEC1 key of the new phone sign-in key.
    #[serde(rename = "publicKey")]
    pub public_key: String,
    /// The provider's challenge ([`PhoneSigninChallenge::challenge`]), as received.
    pub challenge: String,
    /// b64url DER signature by the new key over the key-proof string (which names the
    /// challenge): made after the challenge arrived, so behind a fresh user-verification
    /// prompt.
    #[serde(rename = "keyProof")]
    pub key_proof: String,
    /// The platform's attestation of the new key, when the phone can give one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<KeyAttestation>,
}

/// `POST /nyckel/v1/phone-signin` body of key-proof layout v1 (§4.4), sent by apps built
/// before the provider challenge: no challenge, and a proof over
/// [`legacy_key_proof_string`](super::legacy_key_proof_string) naming the request's
/// `Nyckel-Nonce`. Providers read it (accepted only where attestation is not required); apps
/// send [`PhoneSigninRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyPhoneSigninRequest {
    /// b64url SEC1 key of the new phone sign-in key.
    #[serde(rename = "publicKey")]
    pub public_key: String,
    /// b64url DER signature by the new key over the v1 key-proof string.
    #[serde(rename = "keyProof")]
    pub key_proof: String,
}

/// A platform's attestation of a key (§4.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAttestation {
    /// The format: [`ATTESTATION_ANDROID_KEY`] or [`ATTESTATION_APPLE_APP_ATTEST`].
    pub format: String,
    /// `android-key`: the certificate chain, leaf (the attested key) first, each b64url DER.
    /// `apple-appattest`: one item, the b64url CBOR attestation object (which carries its own
    /// certificates).
    pub chain: Vec<String>,
}

/// [`KeyAttestation::format`] of Android Key Attestation: an X.509 chain whose leaf carries
/// the key description extension (OID 1.3.6.1.4.1.11129.2.1.17) with the challenge.
pub const ATTESTATION_ANDROID_KEY: &str = "android-key";

/// [`KeyAttestation::format`] of Apple App Attest: the attestation object
/// `DCAppAttestService.attestKey` returns for [`crate::protocol::wire::app_attest_client_data_hash`].
pub const ATTESTATION_APPLE_APP_ATTEST: &str = "apple-appattest";

/// `nyckel.phone-signin` (§4.4, §4.5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneSigninState {
    /// The device.
    #[serde(rename = "deviceId")]
    pub device_id: String,
    /// The new credential id when enabled; null when disabled.
    #[serde(rename = "credentialId")]
    pub credential_id: Option<String>,
    /// Whether phone sign-in is now on.
    pub enabled: bool,
}

impl Payload for PhoneSigninState {
    const TYP: &'static str = "nyckel.phone-signin";
}

/// `PUT /nyckel/v1/device` body (§4.8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushTokenRequest {
    /// The new push token; null or empty clears it.
    #[serde(rename = "pushToken", default)]
    pub push_token: Option<String>,
}

/// `nyckel.ack` (§4.8, §4.9).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// The device acknowledged.
    #[serde(rename = "deviceId")]
    pub device_id: String,
}

impl Payload for Ack {
    const TYP: &'static str = "nyckel.ack";
}

/// `nyckel.device` (§4.11): what else the asking device's user can sign in with, so an app
/// can warn before unenrolling the user's last way in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceStanding {
    /// The asking device.
    #[serde(rename = "deviceId")]
    pub device_id: String,
    /// The user's other phones that are not revoked.
    #[serde(rename = "otherPhones")]
    pub other_phones: u32,
    /// Whether the user has a confirmed one-time-code method at this provider.
    #[serde(rename = "oneTimeCode")]
    pub one_time_code: bool,
}

impl Payload for DeviceStanding {
    const TYP: &'static str = "nyckel.device";
}

/// `nyckel.transfer` (§4.10): a single-use transfer enrollment code for a new phone that
/// replaces the asking device. `enrollUri` carries the activation code: never log it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferCode {
    /// The asking device (the one the new phone replaces).
    #[serde(rename = "deviceId")]
    pub device_id: String,
    /// Its user.
    #[serde(rename = "userId")]
    pub user_id: String,
    /// A `nyckel-enroll://` URI (§3) with the single-use transfer activation code.
    #[serde(rename = "enrollUri")]
    pub enroll_uri: String,
    /// When the code expires (provider clock).
    #[serde(rename = "expiresAt")]
    pub expires_at: i64,
}

impl std::fmt::Debug for TransferCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransferCode")
            .field("device_id", &self.device_id)
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Payload for TransferCode {
    const TYP: &'static str = "nyckel.transfer";
}

/// `nyckel.time` (§4.6, §8): the header's `serverTime` is the answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerTime {}

impl Payload for ServerTime {
    const TYP: &'static str = "nyckel.time";
}

/// `GET /nyckel/v1/provider` (§4.7): unsigned and informational.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderInfo {
    /// 1.
    pub v: u32,
    /// b64url SEC1 provider key.
    #[serde(rename = "providerKey")]
    pub provider_key: String,
    /// Its fingerprint.
    pub fingerprint: String,
    /// Provider origin.
    pub origin: String,
    /// WebAuthn rpId.
    #[serde(rename = "rpId")]
    pub rp_id: String,
    /// Display name.
    pub issuer: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_payload_has_the_header_and_the_body_at_the_top_level() {
        let s = Signed::new(7, Some("n"), Ack { device_id: "d".into() });
        let v: serde_json::Value = serde_json::to_value(&s).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"v": 1, "typ": "nyckel.ack", "serverTime": 7, "reqNonce": "n", "deviceId": "d"})
        );
        let no_nonce = serde_json::to_value(Signed::new(7, None, ServerTime {})).unwrap();
        assert_eq!(no_nonce, serde_json::json!({"v": 1, "typ": "nyckel.time", "serverTime": 7}));
    }

    #[test]
    fn a_disabled_phone_signin_names_a_null_credential() {
        let s = PhoneSigninState { device_id: "d".into(), credential_id: None, enabled: false };
        assert_eq!(serde_json::to_value(&s).unwrap()["credentialId"], serde_json::Value::Null);
    }

    #[test]
    fn wire_names_round_trip() {
        for o in [RespondOutcome::Approved, RespondOutcome::Denied, RespondOutcome::Reported] {
            assert_eq!(RespondOutcome::from_wire(o.as_wire()), Some(o));
            assert_eq!(serde_json::to_value(o).unwrap(), o.as_wire());
        }
        for d in [DecisionKind::Approve, DecisionKind::Deny, DecisionKind::Report] {
            assert_eq!(DecisionKind::from_wire(d.as_wire()), Some(d));
        }
        assert_eq!(DecisionKind::from_wire("maybe"), None);
    }
}
