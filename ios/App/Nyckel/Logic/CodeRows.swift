import Foundation
import Nyckel

/// One row of the account list (mirrors the Android app's `CodeRows`).
struct CodeRow: Identifiable, Equatable {
    let id: Int64
    let issuer: String
    let name: String
    let kind: OtpKind
    let code: String?      // "123 456"
    let rawCode: String?   // for the pasteboard
    let secondsLeft: Int?
    let fraction: Double?

    var isHotp: Bool { kind == .hotp }
}

enum CodeRows {
    /// Builds the rows from the cached `accounts()` and this second's `codes()` batch; the
    /// second value is true when the cache is stale (an account appeared or went away).
    static func build(accounts: [AccountInfo], codes: [AccountCode], hotp: [Int64: CodeInfo] = [:], filter: String = "") -> ([CodeRow], Bool) {
        let byId = Dictionary(codes.map { ($0.account.id, $0) }, uniquingKeysWith: { a, _ in a })
        let known = Set(accounts.map(\.id))
        let stale = codes.contains { !known.contains($0.account.id) } || accounts.contains { $0.kind != .hotp && byId[$0.id] == nil }
        let rows: [CodeRow] = accounts.compactMap { cached in
            let fresh = byId[cached.id]
            let a = fresh?.account ?? cached
            let code = a.kind == .hotp ? hotp[a.id] : fresh?.code
            if a.kind != .hotp && code == nil { return nil }
            return CodeRow(id: a.id, issuer: a.issuer, name: a.name, kind: a.kind, code: code?.grouped, rawCode: code?.code,
                           secondsLeft: code?.secondsLeft.map(Int.init), fraction: code?.remainingFraction)
        }
        let f = filter.trimmingCharacters(in: .whitespaces)
        let shown = f.isEmpty ? rows : rows.filter { $0.issuer.localizedCaseInsensitiveContains(f) || $0.name.localizedCaseInsensitiveContains(f) }
        return (shown, stale)
    }
}
