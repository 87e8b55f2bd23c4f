import Foundation
import XCTest
import Nyckel
@testable import Nyckel_App

/// A scripted library: the "vault" is a version number; each backup is its bytes.
private final class FakeBackupPort: AutoBackupSettings.Port {
    /// The content; `writes` the core's change stamp (a content change is a write).
    var version = 1 { didSet { writes += 1 } }
    var writes = 0
    var fingerprints = 0
    var calls: [String] = []

    func recoverySecret(_ typed: String) throws -> String {
        calls.append("check")
        let secret = typed.uppercased().replacingOccurrences(of: " ", with: "-")
        if secret != "K7PQA-MX3DE" { throw NyckelError.WrongPassphrase }
        return secret
    }
    func autoBackupKey(_ secret: String) throws -> Data {
        calls.append("key(\(secret))")
        return Data("sealed:\(secret)".utf8)
    }
    func changeStamp() throws -> String { "w\(writes)" }
    func fingerprint() throws -> String { fingerprints += 1; return "v\(version)" }
    func backup(sealedKey: Data) throws -> (Data, Int) {
        writes += 1 // the backup's activity entry
        calls.append("backup(\(String(decoding: sealedKey, as: UTF8.self)))")
        return (Data("backup v\(version)".utf8), version)
    }
}

private final class MemoryBackupStore: AutoBackupStore {
    var sealedKey: Data?
    var folder: Data?
    var folderName: String?
    var lastFingerprint: String?
}

/// A folder that fails its writes while `failing`.
private final class FailingFolder: BackupFolder {
    let real: FileBackupFolder
    var failing: Bool
    init(_ dir: URL, failing: Bool) { real = FileBackupFolder(dir); self.failing = failing }
    func exists(_ name: String) -> Bool { real.exists(name) }
    func write(_ name: String, _ data: Data) throws {
        if failing { throw CocoaError(.fileNoSuchFile) }
        try real.write(name, data)
    }
    func rename(_ from: String, to: String) throws { try real.rename(from, to: to) }
    func delete(_ name: String) throws { try real.delete(name) }
}

final class AutoBackupSettingsTests: XCTestCase {
    private let root = FileManager.default.temporaryDirectory.appendingPathComponent("nyckel-auto-settings-\(UUID().uuidString)")
    private let port = FakeBackupPort()
    private let store = MemoryBackupStore()
    private var failing = false

    private func dir(_ handle: Data) -> URL { root.appendingPathComponent(String(decoding: handle, as: UTF8.self)) }
    private func file(_ handle: String) -> URL { dir(Data(handle.utf8)).appendingPathComponent(AutoBackupSettings.fileName) }

    private func settings() -> AutoBackupSettings {
        AutoBackupSettings(port: port, store: store) { [unowned self] handle in
            try FileManager.default.createDirectory(at: self.dir(handle), withIntermediateDirectories: true)
            return FailingFolder(self.dir(handle), failing: self.failing)
        }
    }

    func testTurningOnChecksTheSecretKeepsTheKeyAndWritesTheFirstBackupAtOnce() throws {
        let s = settings()
        XCTAssertEqual(s.step, .off)
        XCTAssertEqual(s.sync(), .off, "nothing is written while off")

        s.turnOn(folder: Data("bm-1".utf8), folderName: "iCloud Drive/Nyckel", typedSecret: "k7pqa mx3de")
        XCTAssertEqual(s.step, .on(folderName: "iCloud Drive/Nyckel", last: .written(accounts: 1)))
        XCTAssertEqual(port.calls, ["check", "key(K7PQA-MX3DE)", "backup(sealed:K7PQA-MX3DE)"])
        XCTAssertEqual(try Data(contentsOf: file("bm-1")), Data("backup v1".utf8))
        XCTAssertEqual(store.lastFingerprint, "v1")
        // The app restarts: the kept state says it is on.
        XCTAssertEqual(settings().step, .on(folderName: "iCloud Drive/Nyckel", last: nil))
    }

    func testASecretThatDoesNotOpenTheVaultIsRefusedAndNothingIsKept() {
        let s = settings()
        s.turnOn(folder: Data("bm-1".utf8), folderName: "Nyckel", typedSecret: "K7PQA-MX3DF")
        XCTAssertEqual(s.problem?.kind, .wrongPassphrase)
        XCTAssertEqual(s.step, .off)
        XCTAssertNil(store.sealedKey)
        XCTAssertNil(store.folder)
        XCTAssertEqual(port.calls, ["check"], "no key derived from a typo")
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("bm-1").path))
    }

    func testSyncWritesOnlyAfterAChangeReportsALostFolderAndTriesAgain() throws {
        let s = settings()
        s.turnOn(folder: Data("bm-1".utf8), folderName: "Nyckel", typedSecret: "K7PQA-MX3DE")
        XCTAssertEqual(s.sync(), .upToDate)
        XCTAssertEqual(s.step, .on(folderName: "Nyckel", last: .written(accounts: 1)), "the last real outcome stays")

        port.version = 2
        failing = true
        let failed = s.sync()
        guard case .notWritten = failed else { return XCTFail("\(failed)") }
        XCTAssertEqual(s.step, .on(folderName: "Nyckel", last: failed))
        XCTAssertEqual(try Data(contentsOf: file("bm-1")), Data("backup v1".utf8), "the previous backup stays")

        failing = false
        XCTAssertEqual(s.sync(), .written(accounts: 2))
        XCTAssertEqual(try Data(contentsOf: file("bm-1")), Data("backup v2".utf8))
    }

    func testSyncingAfterEveryCallAsksForTheFingerprintOnlyAfterAWrite() throws {
        let s = settings()
        s.turnOn(folder: Data("bm-1".utf8), folderName: "Nyckel", typedSecret: "K7PQA-MX3DE")
        XCTAssertEqual(s.sync(), .upToDate) // sees the backup's own log entry once
        let settled = port.fingerprints
        for _ in 0..<30 { XCTAssertEqual(s.sync(), .upToDate) } // the code refresh, each second
        XCTAssertEqual(port.fingerprints, settled)

        port.writes += 1 // a write that changes no account (an activity entry)
        XCTAssertEqual(s.sync(), .upToDate)
        XCTAssertEqual(port.fingerprints, settled + 1, "checked once, nothing to write")
        port.version = 2
        XCTAssertEqual(s.sync(), .written(accounts: 2))
        XCTAssertEqual(try Data(contentsOf: file("bm-1")), Data("backup v2".utf8))

        // Another folder (the same stamp): written there at once, never skipped as "seen".
        s.turnOn(folder: Data("bm-2".utf8), folderName: "New", typedSecret: "K7PQA-MX3DE")
        XCTAssertEqual(try Data(contentsOf: file("bm-2")), Data("backup v2".utf8))
    }

    func testAnotherFolderGetsABackupAtOnceAndTurningOffForgetsTheKey() throws {
        let s = settings()
        s.turnOn(folder: Data("bm-1".utf8), folderName: "Old", typedSecret: "K7PQA-MX3DE")
        s.turnOn(folder: Data("bm-2".utf8), folderName: "New", typedSecret: "K7PQA-MX3DE")
        XCTAssertEqual(s.step, .on(folderName: "New", last: .written(accounts: 1)))
        XCTAssertTrue(FileManager.default.fileExists(atPath: file("bm-2").path))

        s.turnOff()
        XCTAssertEqual(s.step, .off)
        XCTAssertNil(store.sealedKey)
        XCTAssertNil(store.lastFingerprint)
        port.version = 3
        XCTAssertEqual(s.sync(), .off)
        XCTAssertEqual(try Data(contentsOf: file("bm-2")), Data("backup v1".utf8), "the last file stays")
    }
}
