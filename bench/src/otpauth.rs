//! `otpauth.parse`: 1,000 varied URIs parsed into accounts, against the `url` crate parsing
//! the same URIs (label percent-decoded, query pairs collected) plus base32-decoding the
//! secret: what a generic parser would do before any otpauth rule is applied.

use std::hint::black_box;

use crate::data::varied_uris;
use crate::measure::{paired, Plan};
use crate::summary::Outcome;

const PLAN: Plan = Plan { batches: 41, per_batch: 1000 };

/// What the generic parse yields: the label, the query pairs and the secret's bytes.
type Generic = (String, Vec<(String, String)>, Vec<u8>);

fn baseline(uri: &str) -> Option<Generic> {
    let url = url::Url::parse(uri).ok()?;
    let label = percent_encoding::percent_decode_str(url.path().trim_start_matches('/'))
        .decode_utf8()
        .ok()?
        .into_owned();
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let secret = &pairs.iter().find(|(k, _)| k == "secret")?.1;
    let secret = secret.trim_end_matches('=').to_ascii_uppercase();
    let bytes = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, &secret)?;
    Some((label, pairs, bytes))
}

/// Measures both over the same URIs, after checking both accept all of them.
pub fn parse() -> Outcome {
    let uris = varied_uris();
    for (i, uri) in uris.iter().enumerate() {
        let ours = match nyckel_core::otpauth::parse(uri) {
            Ok(p) => p,
            Err(e) => return Outcome::Missing(format!("URI {i} was refused: {e}")),
        };
        match baseline(uri) {
            Some((_, _, secret)) if secret == ours.params.secret.as_bytes() => {}
            _ => return Outcome::Missing(format!("the baseline disagrees on URI {i}")),
        }
    }
    let (ours, base) = paired(
        PLAN,
        || {
            for uri in &uris {
                black_box(nyckel_core::otpauth::parse(black_box(uri)).ok());
            }
        },
        || {
            for uri in &uris {
                black_box(baseline(black_box(uri)));
            }
        },
    );
    Outcome::measured(
        ours * 1e9,
        "ns/uri",
        "url crate + percent-decoding + base32 decode",
        base * 1e9,
        Some(0.4),
    )
}
