import Foundation

/// Where the vault lives: Application Support/Nyckel/vault.nyckel, in a directory excluded
/// from iCloud/iTunes backups (the vault key is a Secure Enclave key that cannot leave this
/// phone, so a backup could not be opened anyway) and protected with
/// `FileProtectionType.complete` (unreadable while the phone is locked; new files in the
/// directory — SQLite's -wal/-shm — inherit it).
enum VaultStorage {
    static var directory: URL {
        URL.applicationSupportDirectory.appending(path: "Nyckel", directoryHint: .isDirectory)
    }

    static var vaultURL: URL { directory.appending(path: "vault.nyckel") }

    static func prepare() throws {
        var dir = directory
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                attributes: [.protectionKey: FileProtectionType.complete])
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try dir.setResourceValues(values)
    }

    static var exists: Bool { FileManager.default.fileExists(atPath: vaultURL.path) }

    /// Deletes the vault and SQLite's side files (the reset after an invalidated key).
    static func delete() {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            try? FileManager.default.removeItem(atPath: vaultURL.path + suffix)
        }
    }
}
