//! `nyckel://` enrollment URIs (the provider's QR code): any text parses or gives a typed
//! error, and what parses is rebuilt by `EnrollUri::build` into a URI that parses the same.

use nyckel_core::protocol::EnrollUri;

/// Parses `data` (as lossy UTF-8) and checks the round trip through `build`.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(uri) = EnrollUri::parse(&text) else { return };
    let otp = uri.otp.as_ref().map(|o| o.params.to_uri());
    let built = EnrollUri::build(
        &uri.base_url,
        &uri.activation_code,
        &uri.account,
        &uri.fingerprint,
        uri.issuer.as_deref(),
        uri.expires_at,
        otp.as_deref(),
    );
    let again = EnrollUri::parse(&built)
        .unwrap_or_else(|e| panic!("build gave a URI that does not parse ({e:?})"));
    assert_eq!(again.base_url, uri.base_url);
    assert_eq!(again.origin, uri.origin);
    assert_eq!(again.activation_code, uri.activation_code);
    assert_eq!(again.account, uri.account);
    assert_eq!(again.fingerprint, uri.fingerprint);
    assert_eq!(again.issuer, uri.issuer);
    assert_eq!(again.expires_at, uri.expires_at);
    assert_eq!(again.otp.map(|o| o.params), uri.otp.map(|o| o.params));
}
