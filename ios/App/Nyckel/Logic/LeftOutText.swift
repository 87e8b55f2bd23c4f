import Foundation
import Nyckel

/// Why something stays behind on a backup or a move to a new phone, as the screens say it
/// (English keys, Swedish in Localizable.xcstrings): the library's `LeftOut.cause`; its
/// `reason` is its English line, for logs.
enum LeftOutText {
    /// Exhaustive: a cause added to the library fails to compile here until it has a sentence.
    static func sentence(_ cause: LeftOutCause) -> String {
        switch cause {
        case let .deviceBound(phoneSignin):
            return phoneSignin
                ? String(localized: "Sign-in approvals and phone sign-in use keys bound to this phone that never leave it: set them up again on the new phone.")
                : String(localized: "Sign-in approvals use keys bound to this phone that never leave it: set them up again on the new phone.")
        case .managedOtp:
            return String(localized: "Its one-time-code secret is managed by your organisation: set the account up again on the new phone.")
        case let .managedOtpNotSent(issuer):
            return String(localized: "Its one-time-code secret is managed by your organisation, which did not send it for the new phone: set the account up again with \(issuer).")
        case let .notInGoogleFormat(limit):
            switch limit {
            case .steam: return String(localized: "Google Authenticator has no Steam codes.")
            case .period: return String(localized: "Google Authenticator's transfer format has no period other than 30 seconds.")
            case .counter: return String(localized: "Google Authenticator's transfer format cannot hold this code's counter.")
            case .digits: return String(localized: "Google Authenticator's transfer format knows only 6 or 8 digits.")
            }
        }
    }
}
