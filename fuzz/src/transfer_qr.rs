//! Google Authenticator transfer QR payloads (`otpauth-migration://offline?data=…`): any text
//! parses or gives a typed error, and the accounts of a parsed payload that Google's format
//! can carry survive Nyckel's own export (`export::google::uris`) and a second parse.

use nyckel_core::export::google;
use nyckel_core::import::parse_google_transfer_payload;

/// Parses `data` (as lossy UTF-8) and checks the round trip through the exporter.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(batch) = parse_google_transfer_payload(&text) else { return };
    assert!(batch.batch_size >= 1 && batch.batch_index < batch.batch_size, "batch fields checked");
    let accounts: Vec<_> = batch
        .entries
        .iter()
        .filter_map(|e| e.result.as_ref().ok())
        .map(|c| &c.params)
        .filter(|p| google::unsupported(p).is_none())
        .collect();
    if accounts.is_empty() {
        return;
    }
    let mut again = Vec::new();
    for uri in google::uris(&accounts, batch.batch_id) {
        let b = parse_google_transfer_payload(&uri)
            .unwrap_or_else(|e| panic!("the exporter wrote a payload that does not parse ({e})"));
        again.extend(
            b.entries.into_iter().map(|e| e.result.expect("exported accounts read back").params),
        );
    }
    assert_eq!(again.len(), accounts.len());
    for (a, b) in accounts.iter().zip(&again) {
        assert_eq!(**a, *b, "the round trip changed an account");
    }
}
