import Foundation
import Nyckel

/// What went wrong, as the screens say it (English keys, Swedish in Localizable.xcstrings).
/// The library classifies every error (`kind()`, `nextStep()`, `endsRequest()`:
/// docs/mobile.md, "Errors"); this only renders that. `detail` is the library's one-line
/// reason where it helps; it never holds a secret. A failed read or write has one kind per
/// cause (the library's `StorageFault`: a full disk, a read-only file, …), so the screen can
/// say what to do.
struct Problem: Equatable, Error {
    enum Kind: Equatable, CaseIterable {
        case alreadyAdded, invalidCode, invalidInput, notAnAccount, googleMigration, noQRFound
        case notATransferCode, backupNotSaved, fileNotRead
        case wrongPassphrase, locked, closed, userCancelled, keyInvalidated, keyUnavailable, keyFailed
        case noPlatformKey, notFound, damaged, tooNew, noVault, alreadyExists
        // a failed read or write of the vault, by its cause (storage: none the user can act on)
        case storage, storageDiskFull, storageFileTooLarge, storageReadOnly, storagePermissionDenied, storageBusy, storageIO
        case enrollmentNotFound, wrongNumber, requestExpired, requestNotPending, requestNotFound, busy, invalidNumber
        case providerUnreachable, providerRefused, providerUntrusted, phoneSigninNotEnabled, deviceRevoked
        case deviceKeyUnavailable, enrollmentUnusable, userVerificationFailed, phoneSigninKeyUnavailable, enrollmentInvalid
        case unexpected
    }

    let kind: Kind
    var detail: String?
    /// The library's answer: this sign-in request can no longer be answered.
    var endsRequest = false
    /// The library's answer: what the user does next (nil for the app's own problems).
    var nextStep: NextStep?

    /// A cancelled prompt: stay where you are, say nothing.
    var isSilent: Bool { kind == .userCancelled }

    static func of(_ error: Error) -> Problem {
        guard let e = error as? NyckelError else {
            return Problem(kind: .unexpected, detail: String(describing: type(of: error)), nextStep: .reportBug)
        }
        let kind: Kind
        if case let .Storage(_, fault) = e { kind = storageKind(for: fault) } else { kind = screenKind(for: e.kind()) }
        return Problem(kind: kind, detail: e.detail(), endsRequest: e.endsRequest(), nextStep: e.nextStep())
    }

    /// A provider that could not be asked, reported beside a result (the pending list's
    /// `FetchFailure`): its kind's sentence, never the library's English `reason` alone (kept
    /// as `detail`, shown only where a kind shows details).
    static func of(_ f: FetchFailure) -> Problem {
        Problem(kind: screenKind(for: f.kind), detail: f.reason, nextStep: f.nextStep)
    }

    /// An enrollment a move could not take over (`TransferFailure`), as a `FetchFailure`.
    static func of(_ f: TransferFailure) -> Problem {
        Problem(kind: screenKind(for: f.kind), detail: f.reason, nextStep: f.nextStep)
    }

    /// The sentence for each cause of a failed read or write (the CLI's meaning, in the
    /// phone's terms). Exhaustive: a fault added to the core fails to compile here until it
    /// has a sentence.
    static func storageKind(for fault: StorageFault) -> Kind {
        switch fault {
        case .diskFull: return .storageDiskFull
        case .fileTooLarge: return .storageFileTooLarge
        case .readOnly: return .storageReadOnly
        case .permissionDenied: return .storagePermissionDenied
        case .busy: return .storageBusy
        case .io: return .storageIO
        case .other: return .storage
        }
    }

    /// The screen's sentence for each of the library's kinds. Exhaustive: a kind added to the
    /// core fails to compile here until it has a sentence.
    static func screenKind(for kind: ErrorKind) -> Kind {
        switch kind {
        case .invalidUri: return .invalidCode
        case .invalidInput: return .invalidInput
        case .wrongPassphrase: return .wrongPassphrase
        case .locked: return .locked
        case .closed: return .closed
        case .notFound: return .notFound
        case .enrollmentNotFound: return .enrollmentNotFound
        case .duplicate: return .alreadyAdded
        case .noVault: return .noVault
        case .alreadyExists: return .alreadyExists
        case .storage: return .storage
        case .damaged: return .damaged
        case .tooNew: return .tooNew
        case .noPlatformKey: return .noPlatformKey
        case .userCancelled: return .userCancelled
        case .keyInvalidated: return .keyInvalidated
        case .keyUnavailable: return .keyUnavailable
        case .keyProtector: return .keyFailed
        case .internal: return .unexpected
        case .wrongNumber: return .wrongNumber
        case .requestExpired: return .requestExpired
        case .requestNotPending: return .requestNotPending
        case .requestNotFound: return .requestNotFound
        case .busy: return .busy
        case .invalidNumber: return .invalidNumber
        case .phoneSigninNotEnabled: return .phoneSigninNotEnabled
        case .deviceRevoked: return .deviceRevoked
        case .providerUnreachable: return .providerUnreachable
        case .providerRefused: return .providerRefused
        case .providerUntrusted: return .providerUntrusted
        case .invalidEnrollmentCode: return .enrollmentInvalid
        case .deviceKeyUnavailable: return .deviceKeyUnavailable
        case .enrollmentUnusable: return .enrollmentUnusable
        case .userVerificationFailed: return .userVerificationFailed
        case .phoneSigninKeyUnavailable: return .phoneSigninKeyUnavailable
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
        case .googleMigration: text = String(localized: "This is a Google Authenticator export code. Import it in Settings → Import.")
        case .notATransferCode: text = String(localized: "This is not a Google Authenticator export code.")
        case .backupNotSaved: text = String(localized: "The backup file could not be saved. Try another place.")
        case .fileNotRead: text = String(localized: "The file could not be opened.")
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
        case .storage: text = String(localized: "Nyckel could not read or write its accounts file. Nothing was changed; try again.")
        case .storageDiskFull: text = String(localized: "The phone's storage is full, so the change could not be saved. Nothing was changed. Free some space on the phone and try again.")
        case .storageFileTooLarge: text = String(localized: "The accounts file may not grow any larger (a file size limit), so the change could not be saved. Nothing was changed. Free some space on the phone and try again.")
        case .storageReadOnly: text = String(localized: "The accounts file is read-only, so nothing in it can be changed. Nothing was changed, and your codes can still be shown and backed up. Restart the phone and try again.")
        case .storagePermissionDenied: text = String(localized: "Nyckel is not allowed to change its accounts file or its folder. Nothing was changed. Restart the phone and try again; if it keeps happening, make a backup (Settings → Back up).")
        case .storageBusy: text = String(localized: "The accounts file is in use by another process. Nothing was changed; try again in a moment.")
        case .storageIO: text = String(localized: "The phone reported an error reading or writing the accounts file. Nothing was changed. Its storage may be failing: make a backup now (Settings → Back up) while the file can still be read.")
        case .damaged: text = String(localized: "The accounts file is damaged")
        case .noVault: text = String(localized: "Nyckel's accounts file is missing. Create a new one, or restore your accounts from a backup.")
        case .alreadyExists: text = String(localized: "There is already a file where Nyckel keeps its accounts, or beside it, that is not Nyckel's own. Nothing was changed or overwritten. Contact support.")
        case .tooNew: text = String(localized: "The accounts were saved by a newer Nyckel. Update the app.")
        case .enrollmentNotFound: text = String(localized: "This sign-in approval setup no longer exists.")
        case .wrongNumber: text = String(localized: "The number didn't match; start the sign-in again.")
        case .requestExpired: text = String(localized: "The sign-in request has expired; start the sign-in again.")
        case .requestNotPending: text = String(localized: "This sign-in was already answered or replaced by a newer one.")
        case .requestNotFound: text = String(localized: "This sign-in request is no longer listed. Refresh and try again.")
        case .busy: text = String(localized: "Another answer for this account was being sent at the same moment. Nothing was sent; try again.")
        case .invalidNumber: text = String(localized: "Enter the two-digit number from the sign-in screen.")
        case .providerUnreachable: text = String(localized: "Could not reach your organisation. Check the connection and try again")
        case .providerRefused: text = String(localized: "Your organisation refused the request")
        case .providerUntrusted: text = String(localized: "The answer from your organisation could not be verified, so nothing was accepted. If this keeps happening, the network may be unsafe")
        case .phoneSigninNotEnabled: text = String(localized: "Phone sign-in is not turned on for this account on this phone. Turn it on, or sign in with your password.")
        case .deviceRevoked: text = String(localized: "Your organisation has removed this phone. Remove the account and set it up again with a new code.")
        case .deviceKeyUnavailable: text = String(localized: "The phone's key could not be used. Try again")
        case .enrollmentUnusable: text = String(localized: "This account's sign-in approval setup can no longer be used on this phone. Remove the account and set it up again with a new code")
        case .userVerificationFailed: text = String(localized: "Face ID or Touch ID could not verify you. Nothing was sent; try again. If you changed Face ID or Touch ID, turn phone sign-in off and on again.")
        case .phoneSigninKeyUnavailable: text = String(localized: "Phone sign-in can't use its key on this phone any more (for example after Face ID or Touch ID changed). Nothing was sent. Turn phone sign-in off and on again for this account")
        case .enrollmentInvalid: text = String(localized: "This setup code cannot be used. Ask your organisation for a new one")
        case .unexpected: text = String(localized: "Something went wrong in Nyckel")
        }
        let withDetail: Set<Kind> = [.invalidCode, .invalidInput, .providerUnreachable, .providerRefused, .providerUntrusted,
                                     .enrollmentInvalid, .damaged, .unexpected, .keyUnavailable, .deviceKeyUnavailable,
                                     .phoneSigninKeyUnavailable, .enrollmentUnusable]
        if withDetail.contains(kind), let detail, !detail.isEmpty { return "\(text) (\(detail))" }
        return text
    }
}
