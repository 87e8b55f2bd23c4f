//! `otpauth://` parsing: any text parses or gives a typed error, and whatever parses
//! survives `to_uri` → `parse` unchanged (the URI the app exports and shows as a QR code).

use nyckel_core::otpauth;

/// Parses `data` (as lossy UTF-8) and checks the round trip.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(parsed) = otpauth::parse(&text) else { return };
    let uri = parsed.params.to_uri();
    let again = otpauth::parse(&uri)
        .unwrap_or_else(|e| panic!("to_uri gave a URI that does not parse ({e}): {uri:?}"));
    assert_eq!(again.params, parsed.params, "round trip changed the account: {uri:?}");
    assert_eq!(again.params.to_uri(), uri, "to_uri is not stable");
}
