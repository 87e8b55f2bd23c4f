// A small Swift layer over the uniffi-generated bindings (Generated/Nyckel.swift).

import Foundation

extension CodeInfo {
    /// The code split in two halves for reading: "123 456", "1234 5678", "123 4567";
    /// Steam codes unchanged.
    public var grouped: String {
        guard code.count >= 6, code.allSatisfy(\.isNumber) else { return code }
        let mid = code.index(code.startIndex, offsetBy: code.count / 2)
        return "\(code[..<mid]) \(code[mid...])"
    }

    /// Share of the period still left, 1.0 → 0.0 (for a countdown ring); nil for HOTP.
    public var remainingFraction: Double? {
        guard let left = secondsLeft, let period, period > 0 else { return nil }
        return Double(left) / Double(period)
    }
}

extension NyckelError {
    /// True for the errors after which the app should show its unlock screen (the core's
    /// next step is to unlock, or to unlock with the passphrase and enrol the key again).
    public var needsUnlock: Bool {
        [.unlock, .reenrolPlatformKey].contains(nextStep())
    }
}

/// The display title of an account: "Issuer (name)", or whichever of the two exists.
public func displayTitle(issuer: String, name: String) -> String {
    switch (issuer.isEmpty, name.isEmpty) {
    case (false, false): return "\(issuer) (\(name))"
    case (false, true): return issuer
    default: return name
    }
}
