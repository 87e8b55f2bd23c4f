import Foundation
import Nyckel

/// The steps of "Importera" (a file of another authenticator, or Google Authenticator's
/// transfer QR codes) and "Återställ från säkerhetskopia" (a Nyckel backup: the same flow with
/// the format fixed to `backupFormat`). Mirrors the Android app's `logic/ImportFlow.kt`:
/// choose → password (only when the library says the file is encrypted) → preview (a dry run)
/// → import (one transaction) → done. Nothing is added before the user confirms; when some
/// entries cannot be read, confirming adds the others (`keepGood`). Every decision about
/// formats, passwords, batches and entries is the library's; errors are shown through its
/// classification (`Problem`). Each method blocks on the library: one at a time, off the
/// main thread. An action that does not fit the current step (a late tap, a camera frame
/// after the last code) does nothing.
final class ImportFlow {
    static let backupFormat = "nyckel"

    enum Step: Equatable {
        case choose
        /// The file is encrypted; the library's name of its format.
        case password(format: String)
        /// Collecting a Google Authenticator export's codes (nil: none yet).
        case scanning(TransferProgress?)
        /// The dry run's result, waiting for the user's yes.
        case preview(ImportSummary)
        case done(ImportSummary)
    }

    private(set) var step: Step = .choose
    /// What went wrong in the last action, shown on the current step.
    private(set) var problem: Problem?

    private let format: String?
    private var data: Data?
    private var password: String?
    private var payloads: [String] = []

    /// `format`: the format the file must have (`backupFormat` to restore); nil: detected.
    init(format: String? = nil) { self.format = format }

    /// The confirm button adds the readable entries and leaves the failed ones out.
    static func keepsGoodOnly(_ summary: ImportSummary) -> Bool { summary.failed > 0 }

    /// Whether the problem means the file's password was wrong (said under the field).
    static func isWrongPassword(_ problem: Problem?) -> Bool { problem?.kind == .wrongPassphrase }

    func chooseFile(_ port: TransferPort, _ bytes: Data) {
        attempt {
            reset()
            data = bytes
            let info = try port.inspect(data: bytes, format: format)
            if info.encrypted { step = .password(format: info.format) } else { try preview(port) }
        }
    }

    func submitPassword(_ port: TransferPort, _ password: String) {
        guard case .password = step else { return } // a late tap after the step changed
        // A backup sealed with the recovery code: the code typed in any case or spacing (docs/recovery.md §5).
        self.password = format == Self.backupFormat ? RecoverySetupFlow.recoverySecret(password) : password
        attempt { try preview(port) }
    }

    func startScanning() {
        reset()
        step = .scanning(nil)
    }

    /// A scanned QR code while scanning: a repeat is ignored, a foreign code refused with the
    /// library's reason (the codes so far are kept); the last code shows the preview.
    func scanned(_ port: TransferPort, _ text: String) {
        guard case .scanning = step else { return } // a camera frame after the last code
        let code = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard ScannedCode.classify(code) == .googleMigration else {
            problem = Problem(kind: .notATransferCode)
            return
        }
        if payloads.contains(code) { return }
        attempt {
            let progress = try port.transferProgress(payloads: payloads + [code])
            payloads.append(code)
            step = .scanning(progress)
            if progress.missing.isEmpty { try preview(port) }
        }
    }

    func confirm(_ port: TransferPort) {
        guard case .preview(let summary) = step else { return } // a second tap
        attempt {
            step = .done(try run(port, dryRun: false, keepGood: Self.keepsGoodOnly(summary)))
            forget()
        }
    }

    /// Back to the start; forgets the file, the password and the codes scanned.
    func reset() {
        step = .choose
        problem = nil
        forget()
    }

    private func preview(_ port: TransferPort) throws {
        step = .preview(try run(port, dryRun: true, keepGood: false))
    }

    private func run(_ port: TransferPort, dryRun: Bool, keepGood: Bool) throws -> ImportSummary {
        if !payloads.isEmpty {
            return try port.importTransfer(payloads: payloads, dryRun: dryRun, keepGood: keepGood)
        }
        guard let data else { preconditionFailure("no file chosen") }
        return try port.importFile(data: data, format: format, password: password, dryRun: dryRun, keepGood: keepGood)
    }

    private func forget() {
        data = nil
        password = nil
        payloads = []
    }

    private func attempt(_ body: () throws -> Void) {
        problem = nil
        do { try body() } catch {
            let p = Problem.of(error)
            problem = p.isSilent ? nil : p
        }
    }
}
