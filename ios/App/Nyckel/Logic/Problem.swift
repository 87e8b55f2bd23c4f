import Foundation
import Nyckel

/// What went wrong, as the screens say it (English keys, Swedish in Localizable.xcstrings).
/// `detail` is the library's one-line reason where it helps; it never holds a secret.
struct Problem: Equatable, Error {
    enum Kind: Equatable {
        case alreadyAdded, invalidCode, invalidInput, notAnAccount, googleMigration, noQRFound
        case wrongPassphrase, locked, closed, userCancelled, keyInvalidated, keyUnavailable, keyFailed
        case noPlatformKey, notFound, storage, damaged, tooNew
        case enrollmentNotFound, wrongNumber, requestExpired, requestNotPending, requestNotFound, invalidNumber
        case providerUnreachable, providerRefused, providerUntrusted, phoneSigninNotEnabled, deviceRevoked
        case deviceKeyUnavailable, userVerificationFailed, phoneSigninKeyUnavailable, enrollmentInvalid
        case unexpected
    }

    let kind: Kind
    var detail: String?

    /// A cancelled prompt: stay where you are, say nothing.
    var isSilent: Bool { kind == .userCancelled }

    /// Answers after which a sign-in request cannot be answered any more.
    var endsRequest: Bool { [.wrongNumber, .requestExpired, .requestNotPending, .requestNotFound, .deviceRevoked].contains(kind) }

    static func of(_ error: Error) -> Problem {
        guard let e = error as? NyckelError else { return Problem(kind: .unexpected, detail: String(describing: type(of: error))) }
        switch e {
        case .Duplicate: return Problem(kind: .alreadyAdded)
        case let .InvalidUri(reason): return Problem(kind: .invalidCode, detail: reason)
        case let .InvalidInput(reason): return Problem(kind: .invalidInput, detail: reason)
        case .WrongPassphrase: return Problem(kind: .wrongPassphrase)
        case .Locked: return Problem(kind: .locked)
        case .Closed: return Problem(kind: .closed)
        case .NotFound: return Problem(kind: .notFound)
        case .EnrollmentNotFound: return Problem(kind: .enrollmentNotFound)
        case .NoVault, .AlreadyExists: return Problem(kind: .storage)
        case let .Damaged(reason): return Problem(kind: .damaged, detail: reason)
        case .TooNew: return Problem(kind: .tooNew)
        case .NoPlatformKey: return Problem(kind: .noPlatformKey)
        case .UserCancelled: return Problem(kind: .userCancelled)
        case .KeyInvalidated: return Problem(kind: .keyInvalidated)
        case let .KeyUnavailable(reason): return Problem(kind: .keyUnavailable, detail: reason)
        case let .KeyProtector(reason): return Problem(kind: .keyFailed, detail: reason)
        case let .Storage(reason): return Problem(kind: .storage, detail: reason)
        case let .Internal(reason): return Problem(kind: .unexpected, detail: reason)
        case .WrongNumber: return Problem(kind: .wrongNumber)
        case .RequestExpired: return Problem(kind: .requestExpired)
        case .RequestNotPending: return Problem(kind: .requestNotPending)
        case .RequestNotFound: return Problem(kind: .requestNotFound)
        case .InvalidNumber: return Problem(kind: .invalidNumber)
        case .PhoneSigninNotEnabled: return Problem(kind: .phoneSigninNotEnabled)
        case .DeviceRevoked: return Problem(kind: .deviceRevoked)
        case let .ProviderUnreachable(reason): return Problem(kind: .providerUnreachable, detail: reason)
        case let .ProviderRefused(_, reason): return Problem(kind: .providerRefused, detail: reason)
        case let .ProviderUntrusted(reason): return Problem(kind: .providerUntrusted, detail: reason)
        case let .InvalidEnrollmentCode(reason): return Problem(kind: .enrollmentInvalid, detail: reason)
        case let .DeviceKeyUnavailable(reason): return Problem(kind: .deviceKeyUnavailable, detail: reason)
        case .UserVerificationFailed: return Problem(kind: .userVerificationFailed)
        case let .PhoneSigninKeyUnavailable(reason): return Problem(kind: .phoneSigninKeyUnavailable, detail: reason)
        }
    }

    /// The sentence to show (localised).
    var message: String {
        let text: String
        switch kind {
        case .alreadyAdded: text = String(localized: "This account is already added.")
        case .invalidCode: text = String(localized: "This QR code cannot be used")
        case .invalidInput: text = String(localized: "Please check what you entered")
        case .notAnAccount: text = String(localized: "This QR code is not an account code.")
        case .googleMigration: text = String(localized: "This is a Google Authenticator export code. Nyckel cannot import it yet: show each account's own QR code instead.")
        case .noQRFound: text = String(localized: "No QR code was found in the image.")
        case .wrongPassphrase: text = String(localized: "Wrong passphrase.")
        case .locked: text = String(localized: "Nyckel is locked.")
        case .closed: text = String(localized: "Nyckel was closed. Open it again.")
        case .userCancelled: text = String(localized: "Cancelled.")
        case .keyInvalidated: text = String(localized: "The unlock key no longer works because the phone's Face ID or Touch ID changed.")
        case .keyUnavailable: text = String(localized: "Face ID or Touch ID is not available right now. Try again")
        case .keyFailed: text = String(localized: "The phone's key store failed")
        case .noPlatformKey: text = String(localized: "Face ID or Touch ID unlock is not set up. Use your passphrase.")
        case .notFound: text = String(localized: "The account no longer exists.")
        case .storage: text = String(localized: "Nyckel could not read or write its file. Is the phone full?")
        case .damaged: text = String(localized: "The accounts file is damaged")
        case .tooNew: text = String(localized: "The accounts were saved by a newer Nyckel. Update the app.")
        case .enrollmentNotFound: text = String(localized: "This sign-in approval setup no longer exists.")
        case .wrongNumber: text = String(localized: "The number didn't match; start the sign-in again.")
        case .requestExpired: text = String(localized: "The sign-in request has expired; start the sign-in again.")
        case .requestNotPending: text = String(localized: "This sign-in was already answered or replaced by a newer one.")
        case .requestNotFound: text = String(localized: "This sign-in request is no longer listed. Refresh and try again.")
        case .invalidNumber: text = String(localized: "Enter the two-digit number from the sign-in screen.")
        case .providerUnreachable: text = String(localized: "Could not reach your organisation. Check the connection and try again")
        case .providerRefused: text = String(localized: "Your organisation refused the request")
        case .providerUntrusted: text = String(localized: "The answer from your organisation could not be verified, so nothing was accepted. If this keeps happening, the network may be unsafe")
        case .phoneSigninNotEnabled: text = String(localized: "Phone sign-in is not turned on for this account on this phone. Turn it on, or sign in with your password.")
        case .deviceRevoked: text = String(localized: "Your organisation has removed this phone. Remove the account and set it up again with a new code.")
        case .deviceKeyUnavailable: text = String(localized: "The phone's key could not be used. Try again")
        case .userVerificationFailed: text = String(localized: "Face ID or Touch ID could not verify you. Nothing was sent; try again. If you changed Face ID or Touch ID, turn phone sign-in off and on again.")
        case .phoneSigninKeyUnavailable: text = String(localized: "Phone sign-in can't use its key on this phone any more (for example after Face ID or Touch ID changed). Nothing was sent. Turn phone sign-in off and on again for this account")
        case .enrollmentInvalid: text = String(localized: "This setup code cannot be used. Ask your organisation for a new one")
        case .unexpected: text = String(localized: "Something went wrong in Nyckel")
        }
        let withDetail: Set<Kind> = [.invalidCode, .invalidInput, .providerUnreachable, .providerRefused, .providerUntrusted,
                                     .enrollmentInvalid, .damaged, .unexpected, .keyUnavailable, .deviceKeyUnavailable,
                                     .phoneSigninKeyUnavailable]
        if withDetail.contains(kind), let detail, !detail.isEmpty { return "\(text) (\(detail))" }
        return text
    }
}
