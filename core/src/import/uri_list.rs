//! A plain list of `otpauth://` URIs, one a line (also Ente Auth's plain export, whose URIs
//! carry Ente's display state in a `codeDisplay` parameter, dropped here).

use super::candidate::{uri_like, Entry};
use super::{Format, ImportError};

/// Ente's per-entry UI state (pinned, trashed, tags…): not an account property.
const ENTE_DISPLAY_PARAMETER: &str = "codeDisplay";

pub(super) fn read(text: &str, format: Format) -> Result<Vec<Entry>, ImportError> {
    let lines: Vec<&str> = super::content_lines(text).collect();
    Ok(lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut entry = uri_like(i + 1, line, ("", ""), "", false);
            if let (Format::Ente, Ok(c)) = (format, &mut entry.result) {
                c.params.extra.retain(|(name, _)| name != ENTE_DISPLAY_PARAMETER);
            }
            entry
        })
        .collect())
}
