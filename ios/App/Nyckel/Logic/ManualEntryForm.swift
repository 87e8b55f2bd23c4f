import Foundation
import Nyckel

/// The manual-entry form (mirrors the Android app's `logic/ManualEntryForm`). It checks only
/// what the record needs before it can be built: required fields, and digits / period /
/// counter as whole numbers that fit `UInt32` / `UInt64`. Ranges are the library's: `addManual`
/// answers `InvalidInput(reason)` (digits 1–10, a period up to 86400 s, a bad secret, …) and
/// that reason is shown; a second, narrower copy of the rules here would refuse accounts the
/// library accepts.
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
        if kind != .steam, Self.uint32(digits) == nil { p.insert(.digits) }
        if kind != .hotp, Self.uint32(period) == nil { p.insert(.period) }
        if kind == .hotp, Self.uint64(counter) == nil { p.insert(.counter) }
        return p
    }

    /// Plain ASCII digits (no sign; spaces around are ignored) that fit the type.
    private static func digitsOnly(_ text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        return !t.isEmpty && t.allSatisfy({ ("0"..."9").contains($0) }) ? t : nil
    }
    private static func uint32(_ text: String) -> UInt32? { digitsOnly(text).flatMap { UInt32($0) } }
    private static func uint64(_ text: String) -> UInt64? { digitsOnly(text).flatMap { UInt64($0) } }

    var isValid: Bool { problems().isEmpty }

    func toManualAccount() -> ManualAccount {
        ManualAccount(
            kind: kind,
            secret: secret.trimmingCharacters(in: .whitespaces),
            issuer: issuer.trimmingCharacters(in: .whitespaces),
            name: name.trimmingCharacters(in: .whitespaces),
            algorithm: kind == .steam ? nil : algorithm,
            digits: kind == .steam ? nil : Self.uint32(digits),
            period: kind == .hotp ? nil : Self.uint32(period),
            counter: kind == .hotp ? Self.uint64(counter) : nil,
            note: note
        )
    }
}
