import Foundation
import Nyckel

/// The first run of the app, after the welcome screen (docs/recovery.md §5, docs/apps.md "First
/// run"), mirroring the Android app's `logic/FirstRunFlow.kt`: what comes next and in which
/// order. The views (welcome, NyckelKit's `RecoverySetupFlow`, restore, move, the backup offer)
/// each draw one step and report back here.
///
/// 1. Welcome: the intent (a fresh start, "Återställ från säkerhetskopia", or moving from the
///    old phone) and how the vault is locked; the app creates the vault, then `vaultCreated`.
/// 2. A vault opened by biometrics alone gets a way back in first (`.recovery`, skippable). A
///    vault created with a passphrase already has one: that passphrase is the recovery secret.
/// 3. The chosen restore or move, before any backup is written: a first automatic backup must
///    never replace, in the folder the user is about to restore from, the backup they came for.
/// 4. The offer of automatic encrypted backups to a folder the user chooses, sealed with the
///    recovery secret just set (not typed again), skippable; a folder that already holds a Nyckel
///    backup asks before replacing it. Without a recovery secret there is no offer.
/// 5. `.done`: the account list.
///
/// The secret is held only between steps 2 and 4 and never appears in `description`. Calls that
/// do not fit the current step do nothing. `Backups.turnOn` blocks: call `chooseFolder` and
/// `replace` off the main thread.
final class FirstRunFlow: CustomStringConvertible, @unchecked Sendable {
    enum Intent: Equatable { case fresh, restore, moveIn }

    /// The automatic-backup calls the offer makes (the app's `AutoBackupSettings`).
    protocol Backups {
        /// Whether the folder (its bookmark) already holds a Nyckel backup.
        func hasBackup(_ folder: Data) -> Bool
        /// Turns automatic backups on with `secret`: nil when on, else why not.
        func turnOn(folder: Data, folderName: String, secret: String) -> Problem?
    }

    enum Step: Equatable {
        case welcome
        case recovery
        case restoring
        case movingIn
        /// Choose a folder, or skip; `problem`: the last try failed.
        case backupOffer(problem: Problem?)
        /// The chosen folder already holds a Nyckel backup: replace it, or choose another.
        case confirmReplace(folderName: String)
        /// `backupFolder`: where backups now go (nil: off); `noRecovery`: skipped, so none could be offered.
        case done(backupFolder: String?, noRecovery: Bool)
    }

    private let backups: Backups
    private let lock = NSLock()
    private(set) var step: Step = .welcome
    private(set) var intent: Intent = .fresh
    private var secret: String?
    private var pending: (folder: Data, name: String)?

    init(backups: Backups) { self.backups = backups }

    var description: String { "FirstRunFlow(\(step), \(intent))" }

    /// On the welcome screen: what the user came to do (changeable until the vault exists).
    func choose(_ intent: Intent) {
        locked {
            guard step == .welcome else { return }
            self.intent = intent
        }
    }

    /// The vault exists: with biometrics (`passphrase` nil: a recovery secret is asked next) or
    /// with a passphrase (then the recovery secret).
    func vaultCreated(passphrase: String?) {
        locked {
            guard step == .welcome else { return }
            if let passphrase {
                secret = passphrase
                afterRecovery()
            } else {
                step = .recovery
            }
        }
    }

    /// The recovery code or passphrase was set (the secret as the vault takes it).
    func recoverySet(_ secret: String) {
        locked {
            guard step == .recovery else { return }
            self.secret = secret
            afterRecovery()
        }
    }

    /// The user skipped the recovery setup (after its warning).
    func recoverySkipped() {
        locked {
            guard step == .recovery else { return }
            secret = nil
            afterRecovery()
        }
    }

    /// The restore or move screen was left (finished or not): on to the backup offer.
    func transferLeft() {
        locked {
            guard step == .restoring || step == .movingIn else { return }
            offer()
        }
    }

    /// A folder was chosen for automatic backups.
    func chooseFolder(_ folder: Data, name: String) {
        locked {
            guard case .backupOffer = step else { return }
            if backups.hasBackup(folder) {
                pending = (folder, name)
                step = .confirmReplace(folderName: name)
                return
            }
            turnOn(folder, name)
        }
    }

    /// Replace the backup already in the chosen folder.
    func replace() {
        locked {
            guard case .confirmReplace = step, let p = pending else { return }
            turnOn(p.folder, p.name)
        }
    }

    /// Back to choosing a folder (the backup there is left alone).
    func chooseAnother() {
        locked {
            guard case .confirmReplace = step else { return }
            pending = nil
            step = .backupOffer(problem: nil)
        }
    }

    /// No automatic backups (Settings → Automatic backup turns them on later).
    func skipBackups() {
        locked {
            switch step {
            case .backupOffer, .confirmReplace: finish(nil)
            default: return
            }
        }
    }

    private func locked(_ body: () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        body()
    }

    private func afterRecovery() {
        switch intent {
        case .restore: step = .restoring
        case .moveIn: step = .movingIn
        case .fresh: offer()
        }
    }

    private func offer() {
        if secret == nil { return finish(nil) }
        step = .backupOffer(problem: nil)
    }

    private func turnOn(_ folder: Data, _ name: String) {
        guard let s = secret else { return finish(nil) }
        pending = nil
        if let problem = backups.turnOn(folder: folder, folderName: name, secret: s) {
            step = .backupOffer(problem: problem)
        } else {
            finish(name)
        }
    }

    private func finish(_ folderName: String?) {
        let noRecovery = secret == nil
        secret = nil
        pending = nil
        step = .done(backupFolder: folderName, noRecovery: noRecovery)
    }
}

/// `FirstRunFlow.Backups` over the app's automatic-backup settings and its folders. A first
/// backup that could not be written turns backups off again: the offer shows why, and the user
/// chooses another folder or skips (never "on" with nothing written).
struct SettingsFirstRunBackups: FirstRunFlow.Backups {
    let settings: AutoBackupSettings
    let folders: (Data) throws -> BackupFolder

    func hasBackup(_ folder: Data) -> Bool {
        (try? folders(folder).exists(AutoBackupSettings.fileName)) ?? false
    }

    func turnOn(folder: Data, folderName: String, secret: String) -> Problem? {
        settings.turnOn(folder: folder, folderName: folderName, typedSecret: secret)
        if let problem = settings.problem { return problem }
        guard case let .on(_, last) = settings.step else { return Problem(kind: .unexpected) }
        let failed: Problem?
        switch last {
        case let .notWritten(reason)?: failed = Problem(kind: .backupNotSaved, detail: reason)
        case let .refused(error)?: failed = Problem.of(error)
        default: failed = nil
        }
        if failed != nil { settings.turnOff() }
        return failed
    }
}
