import Foundation

/// First-run recovery for a vault opened by Face ID (docs/recovery.md, "First-run recovery"):
/// a recovery passphrase the user chooses, or a recovery code Nyckel generates
/// (`generateRecoveryCode`) that the user writes down and types back, checked group by group
/// (`checkRecoveryCode`). Either becomes the vault's passphrase (`setPassphrase`) and is the
/// password a backup is restored with. Mirrors the Kotlin library's `RecoverySetupFlow.kt`.
/// `setSecret` blocks (Argon2id): call the flow off the main thread.
public final class RecoverySetupFlow: @unchecked Sendable {
    public enum Step: Equatable, CustomStringConvertible {
        case choose
        case passphrase
        /// Write this down; then `codeWrittenDown()`.
        case showCode(String)
        case confirmCode
        case done(byCode: Bool)
        case skipped

        public var description: String {
            switch self {
            case .choose: return "choose"
            case .passphrase: return "passphrase"
            case .showCode: return "showCode(<redacted>)"
            case .confirmCode: return "confirmCode"
            case let .done(byCode): return "done(byCode: \(byCode))"
            case .skipped: return "skipped"
            }
        }
    }

    /// Problems the flow finds itself; the library's are in `error`.
    public enum Local: Equatable { case tooShort, mismatch, notTheCodeShown }

    /// The shortest recovery passphrase (it also protects backups that may leave the phone).
    public static let minPassphrase = 10

    public private(set) var step: Step = .choose
    public private(set) var error: NyckelError?
    public private(set) var local: Local?
    private var code: String?
    private let setSecret: (String) throws -> Void

    public init(setSecret: @escaping (String) throws -> Void) { self.setSecret = setSecret }

    public static func passphraseProblem(_ passphrase: String, _ confirm: String) -> Local? {
        if passphrase.trimmingCharacters(in: .whitespaces).count < minPassphrase { return .tooShort }
        if passphrase != confirm { return .mismatch }
        return nil
    }

    /// What a "recovery passphrase or code" field holds, as the vault and backups expect it: a
    /// recovery code typed in any case or spacing becomes the code as written; anything else
    /// is a passphrase, unchanged.
    public static func recoverySecret(_ typed: String) -> String {
        (try? checkRecoveryCode(typed: typed)) ?? typed
    }

    public func choosePassphrase() {
        guard step == .choose else { return }
        clear()
        step = .passphrase
    }

    public func chooseCode() {
        guard step == .choose else { return }
        clear()
        do {
            let generated = try generateRecoveryCode()
            code = generated
            step = .showCode(generated)
        } catch {
            self.error = Self.nyckelError(error)
        }
    }

    public func codeWrittenDown() {
        guard case .showCode = step else { return }
        step = .confirmCode
    }

    public func showCodeAgain() {
        guard step == .confirmCode, let code else { return }
        clear()
        step = .showCode(code)
    }

    public func confirmCode(_ typed: String) {
        guard step == .confirmCode, let shown = code else { return }
        clear()
        let checked: String
        do {
            checked = try checkRecoveryCode(typed: typed)
        } catch {
            self.error = Self.nyckelError(error)
            return
        }
        guard checked == shown else {
            local = .notTheCodeShown
            return
        }
        set(shown, byCode: true)
    }

    public func submitPassphrase(_ passphrase: String, confirm: String) {
        guard step == .passphrase else { return }
        clear()
        local = Self.passphraseProblem(passphrase, confirm)
        if local == nil { set(passphrase, byCode: false) }
    }

    public func back() {
        switch step {
        case .done, .skipped: return
        default: break
        }
        clear()
        code = nil
        step = .choose
    }

    public func skip() {
        guard step == .choose else { return }
        clear()
        step = .skipped
    }

    private func set(_ secret: String, byCode: Bool) {
        do {
            try setSecret(secret)
            code = nil
            step = .done(byCode: byCode)
        } catch {
            self.error = Self.nyckelError(error)
        }
    }

    private func clear() {
        error = nil
        local = nil
    }

    private static func nyckelError(_ error: Error) -> NyckelError {
        (error as? NyckelError) ?? .Internal(reason: String(describing: type(of: error)))
    }
}
