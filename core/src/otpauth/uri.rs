//! The canonical URI of an account.

use super::OtpParams;

impl OtpParams {
    /// The canonical `otpauth://` URI; `parse(to_uri(x))` gives back `x`.
    pub fn to_uri(&self) -> String {
        String::new()
    }
}
