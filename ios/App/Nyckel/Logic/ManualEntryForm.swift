import Foundation
import Nyckel

/// The manual-entry form; the library validates the secret (`addManual` → `InvalidInput`).
struct ManualEntryForm {
    var kind: OtpKind = .totp
    var issuer = ""
    var name = ""
    var secret = ""
    var algorithm: HashAlgorithm = .sha1
    var digits = "6"
    var period = "30"
    var counter = "0"
    var note = ""

    enum Field: Hashable { case secret, name, digits, period, counter }

    func problems() -> Set<Field> {
        var p = Set<Field>()
        if secret.trimmingCharacters(in: .whitespaces).isEmpty { p.insert(.secret) }
        if issuer.trimmingCharacters(in: .whitespaces).isEmpty && name.trimmingCharacters(in: .whitespaces).isEmpty { p.insert(.name) }
        if kind != .steam, !((UInt32(digits).map { (6...10).contains($0) }) ?? false) { p.insert(.digits) }
        if kind != .hotp, !((UInt32(period).map { (1...3600).contains($0) }) ?? false) { p.insert(.period) }
        if kind == .hotp, UInt64(counter) == nil { p.insert(.counter) }
        return p
    }

    var isValid: Bool { problems().isEmpty }

    func toManualAccount() -> ManualAccount {
        ManualAccount(
            kind: kind,
            secret: secret.trimmingCharacters(in: .whitespaces),
            issuer: issuer.trimmingCharacters(in: .whitespaces),
            name: name.trimmingCharacters(in: .whitespaces),
            algorithm: kind == .steam ? nil : algorithm,
            digits: kind == .steam ? nil : UInt32(digits),
            period: kind == .hotp ? nil : UInt32(period),
            counter: kind == .hotp ? UInt64(counter) : nil,
            note: note
        )
    }
}
