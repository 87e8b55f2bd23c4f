import Foundation
import Nyckel

/// Settings → "Automatisk säkerhetskopia" (docs/recovery.md §5, docs/apps.md), mirroring the
/// Android app's `logic/AutoBackupSettings.kt`: turning automatic backups on with a folder the
/// user chose and the recovery passphrase or code, writing them after vault changes and on
/// unlock (`sync()`), and turning them off. NyckelKit's `AutoBackup` does the work; this keeps
/// the key and the folder and says what happened.
///
/// The platform parts stay outside: `AutoBackupStore` (the sealed key, the folder's
/// security-scoped bookmark and the fingerprint, in preferences: the key is sealed under the
/// vault key, useless without it) and `folders` (a `BackupFolder` for a bookmark). Every call
/// blocks (Argon2id once when turning on; SQLite, AES, file I/O): off the main thread.
/// `sync()` is cheap when the vault was not written since the last one (one change-stamp query).
final class AutoBackupSettings: @unchecked Sendable {
    /// The library calls, beyond the backup itself.
    protocol Port: AutoBackup.Port {
        /// `typed` read as the vault's recovery passphrase or code (a code in any case or
        /// spacing), checked against the vault: `WrongPassphrase` when it does not open it.
        func recoverySecret(_ typed: String) throws -> String
        /// The key of automatic backups from `secret`, sealed under the vault key.
        func autoBackupKey(_ secret: String) throws -> Data
    }

    enum Step: Equatable {
        /// Off: offer to choose a folder and type the recovery passphrase or code.
        case off
        /// On, writing to `folderName`; `last` is the latest backup's outcome, if any yet.
        case on(folderName: String, last: AutoBackup.Outcome?)
    }

    /// The backup's file name in the chosen folder.
    static let fileName = "nyckel-backup.json"

    private let port: Port
    private let store: AutoBackupStore
    private let folders: (Data) throws -> BackupFolder
    private let lock = NSLock()

    private(set) var step: Step = .off
    /// Why turning on failed (shown under the field); nil when it did not.
    private(set) var problem: Problem?

    /// One policy for the settings' life: it remembers the core's change stamp at the last
    /// check, so a `sync()` after a call that wrote nothing (the 1 s code refresh) asks only the
    /// stamp, never the fingerprint. The folder is resolved when a backup is written.
    private var backup: AutoBackup!

    init(port: Port, store: AutoBackupStore, folders: @escaping (Data) throws -> BackupFolder) {
        self.port = port
        self.store = store
        self.folders = folders
        step = currentStep(last: nil)
        backup = AutoBackup(port: port, writer: { [store, folders] in
            guard let handle = store.folder else { throw CocoaError(.fileNoSuchFile) }
            return AtomicBackupWriter(folder: try folders(handle), name: Self.fileName)
        }, state: store)
    }

    /// Turns automatic backups on: checks `typedSecret` against the vault (backups open with
    /// it, so a typo must not become their password), keeps the key with the folder, and writes
    /// the first backup at once.
    func turnOn(folder: Data, folderName: String, typedSecret: String) {
        lock.lock()
        problem = nil
        let key: Data
        do {
            key = try port.autoBackupKey(try port.recoverySecret(typedSecret))
        } catch {
            let p = Problem.of(error)
            problem = p.isSilent ? nil : p
            lock.unlock()
            return
        }
        store.sealedKey = key
        store.folder = folder
        store.folderName = folderName
        store.lastFingerprint = nil // the new folder has no backup yet
        step = currentStep(last: nil)
        lock.unlock()
        _ = sync()
    }

    /// Turns automatic backups off; the last backup file stays where it is.
    func turnOff() {
        lock.lock()
        defer { lock.unlock() }
        store.sealedKey = nil
        store.folder = nil
        store.folderName = nil
        store.lastFingerprint = nil
        problem = nil
        step = .off
    }

    /// Writes a backup if the vault changed since the last one (call after every vault change
    /// and on unlock). One at a time: two writers must not interleave their renames.
    @discardableResult
    func sync() -> AutoBackup.Outcome {
        lock.lock()
        defer { lock.unlock() }
        guard store.folder != nil else { return .off }
        // A bookmark that no longer resolves (the folder was moved or deleted) is `notWritten`.
        let outcome = backup.sync()
        // "Up to date" says nothing new: keep showing the last real outcome.
        if outcome != .upToDate { step = currentStep(last: outcome) }
        return outcome
    }

    private func currentStep(last: AutoBackup.Outcome?) -> Step {
        guard store.sealedKey != nil, store.folder != nil, let name = store.folderName else { return .off }
        return .on(folderName: name, last: last)
    }
}

/// What the app keeps for automatic backups (never the passphrase).
protocol AutoBackupStore: AutoBackup.State {
    var sealedKey: Data? { get set }
    /// The chosen folder's security-scoped bookmark, and its name to show.
    var folder: Data? { get set }
    var folderName: String? { get set }
}

/// `AutoBackupSettings.Port` over the vault: each method is one library call.
struct VaultAutoBackupPort: AutoBackupSettings.Port {
    let vault: NyckelVault

    func changeStamp() throws -> String { try AutoBackup.VaultPort(vault).changeStamp() }
    func fingerprint() throws -> String { try AutoBackup.VaultPort(vault).fingerprint() }
    func backup(sealedKey: Data) throws -> (Data, Int) { try AutoBackup.VaultPort(vault).backup(sealedKey: sealedKey) }

    func recoverySecret(_ typed: String) throws -> String {
        let secret = RecoverySetupFlow.recoverySecret(typed)
        // On the unlocked vault this only checks the passphrase slot (the key stays as it is).
        try vault.unlockWithPassphrase(passphrase: secret)
        return secret
    }

    func autoBackupKey(_ secret: String) throws -> Data { try vault.autoBackupKey(password: secret, kdf: nil) }
}
