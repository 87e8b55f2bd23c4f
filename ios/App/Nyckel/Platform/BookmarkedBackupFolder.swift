import Foundation
import Nyckel

/// The folder the user chose for automatic backups (`.fileImporter` of a folder), kept as a
/// bookmark: iOS lets the app into a picked folder only between
/// `startAccessingSecurityScopedResource` and `stop…`, so every operation runs inside that
/// pair, through NyckelKit's `FileBackupFolder`. A bookmark that no longer resolves (the folder
/// was deleted, the provider removed) throws, and the backup reports it.
struct BookmarkedBackupFolder: BackupFolder {
    let url: URL

    init(bookmark: Data) throws {
        var stale = false
        url = try URL(resolvingBookmarkData: bookmark, bookmarkDataIsStale: &stale)
    }

    /// A bookmark of `url`, a folder the picker just returned (its access is granted until
    /// `stopAccessingSecurityScopedResource`).
    static func bookmark(of url: URL) throws -> Data {
        let granted = url.startAccessingSecurityScopedResource()
        defer { if granted { url.stopAccessingSecurityScopedResource() } }
        return try url.bookmarkData(options: .minimalBookmark, includingResourceValuesForKeys: nil, relativeTo: nil)
    }

    private func scoped<T>(_ body: (FileBackupFolder) throws -> T) rethrows -> T {
        let granted = url.startAccessingSecurityScopedResource()
        defer { if granted { url.stopAccessingSecurityScopedResource() } }
        return try body(FileBackupFolder(url))
    }

    func exists(_ name: String) -> Bool { scoped { $0.exists(name) } }
    func write(_ name: String, _ data: Data) throws { try scoped { try $0.write(name, data) } }
    func rename(_ from: String, to: String) throws { try scoped { try $0.rename(from, to: to) } }
    func delete(_ name: String) throws { try scoped { try $0.delete(name) } }
}

/// What automatic backups keep, in UserDefaults: the key sealed under the vault key (useless
/// without the vault), the folder's bookmark and name, and the last backup's fingerprint.
final class DefaultsAutoBackupStore: AutoBackupStore {
    private let defaults = UserDefaults.standard

    var sealedKey: Data? {
        get { defaults.data(forKey: "autoBackupSealedKey") }
        set { defaults.set(newValue, forKey: "autoBackupSealedKey") }
    }
    var folder: Data? {
        get { defaults.data(forKey: "autoBackupFolder") }
        set { defaults.set(newValue, forKey: "autoBackupFolder") }
    }
    var folderName: String? {
        get { defaults.string(forKey: "autoBackupFolderName") }
        set { defaults.set(newValue, forKey: "autoBackupFolderName") }
    }
    var lastFingerprint: String? {
        get { defaults.string(forKey: "autoBackupFingerprint") }
        set { defaults.set(newValue, forKey: "autoBackupFingerprint") }
    }
}
