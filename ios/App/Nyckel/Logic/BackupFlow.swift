import Foundation
import Nyckel

/// The steps of "Säkerhetskopiera" (mirrors the Android app's `logic/BackupFlow.kt`): what the
/// backup holds and what it cannot (device-bound sign-in approvals and organisation-managed
/// codes: the library's list, to enroll again on a new phone) → a password typed twice → the
/// sealed file, handed to the system's file exporter → saved. The backup itself is the
/// library's (docs/backup-format.md).
final class BackupFlow {
    enum Step: Equatable {
        case loading
        case ready(ExportPlan)
        /// Sealed: let the user choose where to save it.
        case save(fileName: String)
        /// Saved: accounts in the file, things left out.
        case done(accounts: Int, leftOut: Int)
    }

    enum PasswordProblem: Equatable { case tooShort, mismatch }

    /// The shortest backup password accepted (a backup may leave the phone).
    static let minPassword = 10

    private(set) var step: Step = .loading
    private(set) var problem: Problem?
    /// The sealed file while `.save`; dropped once saved.
    private(set) var backup: Backup?

    static func passwordProblem(_ password: String, _ confirm: String) -> PasswordProblem? {
        if password.trimmingCharacters(in: .whitespaces).count < minPassword { return .tooShort }
        if password != confirm { return .mismatch }
        return nil
    }

    /// "nyckel-backup-2026-12-05.json" (the day in UTC).
    static func fileName(_ today: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: today)
        return String(format: "nyckel-backup-%04d-%02d-%02d.json", c.year!, c.month!, c.day!)
    }

    func load(_ port: TransferPort) {
        attempt { step = .ready(try port.backupPlan()) }
    }

    func create(_ port: TransferPort, password: String, confirm: String, today: Date) {
        guard case .ready = step else { return } // a late tap
        guard Self.passwordProblem(password, confirm) == nil else { return }
        attempt {
            backup = try port.backup(password: password)
            step = .save(fileName: Self.fileName(today))
        }
    }

    func saved() {
        guard case .save = step, let backup else { return }
        step = .done(accounts: backup.accounts, leftOut: backup.leftOut.count)
        self.backup = nil
    }

    /// Saving failed or was cancelled: the sealed file stays ready for another try.
    func saveFailed(cancelled: Bool) {
        problem = cancelled ? nil : Problem(kind: .backupNotSaved)
    }

    private func attempt(_ body: () throws -> Void) {
        problem = nil
        do { try body() } catch {
            let p = Problem.of(error)
            problem = p.isSilent ? nil : p
        }
    }
}
