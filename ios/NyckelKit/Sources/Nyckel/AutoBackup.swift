import Foundation

/// Automatic encrypted backups (docs/recovery.md §5), mirroring the Kotlin library's
/// `AutoBackup.kt`: after a vault change, the Nyckel backup sealed with the kept key
/// (`autoBackupKey`, from the recovery passphrase or code) is written to the place the user
/// chose. The vault is only read; a failed write is reported and tried again at the next
/// `sync()`, and the previous backup stays until the new one is in place. `sync()` blocks:
/// call it off the main thread.
///
/// Cheap when nothing was written: `sync()` first asks the core's change stamp
/// (`changeStamp`: a pragma and a counter, no row read) and reads the content fingerprint only
/// when the stamp moved since this object last found the backup up to date. So keep one
/// `AutoBackup` and call `sync()` after every call, the 1 s code refresh included: a refresh
/// writes nothing. The writer is asked for only when a backup is written.
public final class AutoBackup: @unchecked Sendable {
    public protocol Port {
        /// The core's stamp of the vault file's state: equal stamps, nothing was written between them.
        func changeStamp() throws -> String
        func fingerprint() throws -> String
        /// The backup sealed with `sealedKey`: its bytes and how many accounts it holds.
        func backup(sealedKey: Data) throws -> (Data, Int)
    }

    /// Where the app keeps the sealed key and the fingerprint of the last written backup.
    public protocol State: AnyObject {
        var sealedKey: Data? { get }
        var lastFingerprint: String? { get set }
    }

    /// `NyckelVault` as the port.
    public struct VaultPort: Port {
        let vault: NyckelVault
        public init(_ vault: NyckelVault) { self.vault = vault }
        public func changeStamp() throws -> String { try vault.changeStamp() }
        public func fingerprint() throws -> String { try vault.contentFingerprint() }
        public func backup(sealedKey: Data) throws -> (Data, Int) {
            let out = try vault.autoBackup(sealedKey: sealedKey)
            return (out.bytes(), out.exportedAccountIds().count)
        }
    }

    public enum Outcome: Equatable {
        /// No key kept: automatic backups are off.
        case off
        /// Nothing changed since the last backup.
        case upToDate
        case written(accounts: Int)
        /// The library refused (a key of another vault, a locked vault).
        case refused(NyckelError)
        /// The file could not be written; the previous backup is still there.
        case notWritten(reason: String)
    }

    private let port: Port
    private let writer: () throws -> AtomicBackupWriter
    private let state: State
    private let lock = NSLock()
    /// The stamp at which the backup was last found up to date, with the fingerprint it was
    /// checked against (so a `State` reset — another folder, a new key — is never skipped).
    private var checked: (stamp: String, fingerprint: String?)?

    /// With the writer looked up when a backup is written (the folder's handle may change).
    public init(port: Port, writer: @escaping () throws -> AtomicBackupWriter, state: State) {
        self.port = port
        self.writer = writer
        self.state = state
    }

    public convenience init(port: Port, writer: AtomicBackupWriter, state: State) {
        self.init(port: port, writer: { writer }, state: state)
    }

    /// Writes a backup when the vault changed since the last one written.
    public func sync() -> Outcome {
        lock.lock()
        defer { lock.unlock() }
        guard let key = state.sealedKey else { return .off }
        let stamp: String
        let fingerprint: String
        do {
            // Taken first: a write after it moves the stamp again, so it is never missed.
            stamp = try port.changeStamp()
            if let seen = checked, seen.stamp == stamp, seen.fingerprint == state.lastFingerprint { return .upToDate }
            fingerprint = try port.fingerprint()
        } catch {
            return Self.refused(error)
        }
        if fingerprint != state.lastFingerprint {
            let bytes: Data
            let accounts: Int
            do {
                (bytes, accounts) = try port.backup(sealedKey: key)
            } catch {
                return Self.refused(error)
            }
            do {
                try writer().write(bytes)
            } catch {
                return .notWritten(reason: String(describing: error))
            }
            // Recorded only after the file is in place, so a failed write is tried again.
            state.lastFingerprint = fingerprint
            // The backup's own activity entry moves the stamp: one more fingerprint next time.
            checked = (stamp, fingerprint)
            return .written(accounts: accounts)
        }
        checked = (stamp, fingerprint)
        return .upToDate
    }

    private static func refused(_ error: Error) -> Outcome {
        if let e = error as? NyckelError { return .refused(e) }
        return .refused(.Internal(reason: String(describing: type(of: error))))
    }
}

/// A folder the backup is written to, by the few operations an atomic replacement needs (the
/// app implements it over a security-scoped folder; `FileBackupFolder` over FileManager).
public protocol BackupFolder {
    func exists(_ name: String) -> Bool
    /// Writes a new file `name` whole (replacing one of that name).
    func write(_ name: String, _ data: Data) throws
    /// Renames `from` to `to` (no file `to` exists).
    func rename(_ from: String, to: String) throws
    /// Deletes `name` if it exists.
    func delete(_ name: String) throws
}

/// Replaces the backup file `name` so that a complete backup exists at every moment: the new
/// one is written as `name.new`, the current one renamed to `name.old`, the new one renamed
/// into place, then `name.old` deleted. A failure at any step leaves the previous backup (as
/// `name`, or as `name.old`, which the next write puts back first).
public struct AtomicBackupWriter {
    let folder: BackupFolder
    let name: String

    public init(folder: BackupFolder, name: String) {
        self.folder = folder
        self.name = name
    }

    public func write(_ data: Data) throws {
        let (fresh, old) = (name + ".new", name + ".old")
        // A failure between the two renames last time: the previous backup is `old`.
        if !folder.exists(name) && folder.exists(old) { try folder.rename(old, to: name) }
        try folder.delete(fresh)
        try folder.write(fresh, data)
        try folder.delete(old)
        if folder.exists(name) { try folder.rename(name, to: old) }
        try folder.rename(fresh, to: name)
        try folder.delete(old)
    }
}

/// `BackupFolder` over a directory URL.
public struct FileBackupFolder: BackupFolder {
    let dir: URL
    public init(_ dir: URL) { self.dir = dir }
    private func url(_ name: String) -> URL { dir.appendingPathComponent(name) }
    public func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: url(name).path) }
    public func write(_ name: String, _ data: Data) throws { try data.write(to: url(name)) }
    public func rename(_ from: String, to: String) throws { try FileManager.default.moveItem(at: url(from), to: url(to)) }
    public func delete(_ name: String) throws {
        if exists(name) { try FileManager.default.removeItem(at: url(name)) }
    }
}
