import Foundation

/// What a QR code / link holds, as far as routing goes; the library parses the rest.
enum ScannedCode: Equatable, CustomStringConvertible {
    case otp(String)
    case enrollment(String)
    case googleMigration
    case notAnAccount

    static func classify(_ text: String) -> ScannedCode {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let lower = t.lowercased()
        if lower.hasPrefix("otpauth-migration://") { return .googleMigration }
        if lower.hasPrefix("otpauth://") { return .otp(t) }
        if lower.hasPrefix("nyckel-enroll://") { return .enrollment(t) }
        return .notAnAccount
    }

    /// The first account or enrollment among several codes in one image/frame.
    static func firstUsable(_ texts: [String]) -> ScannedCode? {
        let all = texts.map(classify)
        return all.first(where: \.isUsable) ?? all.first
    }

    var isUsable: Bool {
        switch self {
        case .otp, .enrollment: return true
        default: return false
        }
    }

    /// Never log a secret or an activation code.
    var description: String {
        switch self {
        case .otp: return "otp(<redacted>)"
        case .enrollment: return "enrollment(<redacted>)"
        case .googleMigration: return "googleMigration"
        case .notAnAccount: return "notAnAccount"
        }
    }
}
