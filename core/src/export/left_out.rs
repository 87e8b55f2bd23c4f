//! What does not leave with an export (or a move to a new phone), and why: one
//! [`LeftOutCause`] per reason, so each app can say it in its own languages; the English
//! sentence (the CLI's, and the bindings' `reason`) is [`LeftOutCause`]'s `Display`.

use std::fmt;

/// Something that does not leave with the export, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOut {
    /// "Issuer (name)" of an account, or the enrollment's account and provider.
    pub label: String,
    /// Why, and what to do on the new phone.
    pub cause: LeftOutCause,
    /// The account's id, when an account is left out (`None`: an enrollment).
    pub account_id: Option<i64>,
}

impl LeftOut {
    /// Why, and what to do on the new phone: one English line (the cause's sentence).
    pub fn reason(&self) -> String {
        self.cause.to_string()
    }
}

/// Why something stays behind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeftOutCause {
    /// A push-approval enrollment (with phone sign-in when `phone_signin`): its keys are
    /// bound to this device and never exported; enroll the new phone again.
    DeviceBound {
        /// Phone sign-in was on, so its key stays too.
        phone_signin: bool,
    },
    /// An account whose one-time-code secret its organisation manages: enroll the new phone
    /// again.
    ManagedOtp,
    /// Such an account on a move, whose organisation did not send it for the new phone:
    /// re-enroll at `issuer`.
    ManagedOtpNotSent {
        /// The organisation (the enrollment's provider), as the user knows it.
        issuer: String,
    },
    /// Google Authenticator's transfer format cannot hold this account.
    NotInGoogleFormat(GoogleLimit),
}

/// What Google Authenticator's transfer format cannot hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoogleLimit {
    /// Steam codes.
    Steam,
    /// A time step other than 30 seconds.
    Period,
    /// An HOTP counter above `i64::MAX`.
    Counter,
    /// Codes of other than 6 or 8 digits.
    Digits,
}

impl GoogleLimit {
    /// The English sentence.
    pub const fn sentence(self) -> &'static str {
        match self {
            GoogleLimit::Steam => "Google Authenticator has no Steam codes",
            GoogleLimit::Period => {
                "Google Authenticator's transfer format has no period other than 30 s"
            }
            GoogleLimit::Counter => {
                "Google Authenticator's transfer format cannot hold this HOTP counter"
            }
            GoogleLimit::Digits => {
                "Google Authenticator's transfer format knows only 6 or 8 digits"
            }
        }
    }
}

impl fmt::Display for LeftOutCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeftOutCause::DeviceBound { phone_signin } => {
                let what =
                    if *phone_signin { "push approvals and phone sign-in" } else { "push approvals" };
                write!(
                    f,
                    "{what} use keys bound to this device that are never exported: enroll the new phone again"
                )
            }
            LeftOutCause::ManagedOtp => f.write_str(
                "its one-time-code secret is managed by the organisation: enroll the new phone again",
            ),
            LeftOutCause::ManagedOtpNotSent { issuer } => write!(
                f,
                "its one-time-code secret is managed by the organisation, which did not send it for the new phone: re-enroll at {issuer}"
            ),
            LeftOutCause::NotInGoogleFormat(limit) => f.write_str(limit.sentence()),
        }
    }
}
