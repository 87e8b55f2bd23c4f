import Foundation
import XCTest
@testable import Nyckel

/// A folder that fails the operation named in `failOn` once.
private final class FlakyFolder: BackupFolder {
    let real: FileBackupFolder
    var failOn: String?
    init(_ dir: URL) { real = FileBackupFolder(dir) }
    private func maybeFail(_ op: String) throws {
        if failOn == op {
            failOn = nil
            throw CocoaError(.fileWriteUnknown)
        }
    }
    func exists(_ name: String) -> Bool { real.exists(name) }
    func write(_ name: String, _ data: Data) throws { try maybeFail("write"); try real.write(name, data) }
    func rename(_ from: String, to: String) throws { try maybeFail("rename:\(from)"); try real.rename(from, to: to) }
    func delete(_ name: String) throws { try maybeFail("delete:\(name)"); try real.delete(name) }
}

private final class MemoryState: AutoBackup.State {
    let sealedKey: Data?
    var lastFingerprint: String?
    init(_ key: Data?) { sealedKey = key }
}

/// The vault as the port, counting the fingerprint queries (the costly check the stamp avoids).
private final class CountingPort: AutoBackup.Port {
    let real: AutoBackup.VaultPort
    var fingerprints = 0
    init(_ vault: NyckelVault) { real = AutoBackup.VaultPort(vault) }
    func changeStamp() throws -> String { try real.changeStamp() }
    func fingerprint() throws -> String { fingerprints += 1; return try real.fingerprint() }
    func backup(sealedKey: Data) throws -> (Data, Int) { try real.backup(sealedKey: sealedKey) }
}

final class AutoBackupTests: XCTestCase {
    private let code = try! generateRecoveryCode()

    private func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nyckel-auto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    private func restore(_ file: URL) throws -> [String] {
        let fresh = try TestSupport.newVault()
        _ = try fresh.importFile(data: try Data(contentsOf: file), format: "nyckel",
                                 password: RecoverySetupFlow.recoverySecret(code.lowercased()), dryRun: false, keepGood: false)
        return try fresh.accounts().map(\.issuer)
    }

    private func files(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    }

    func testABackupIsWrittenAfterEachChangeOnlyThenAndRestoresWithTheRecoveryCode() throws {
        let vault = try TestSupport.newVault()
        let dir = try tempDir()
        let state = MemoryState(try vault.autoBackupKey(password: code, kdf: kdfMinimum()))
        let backup = AutoBackup(port: AutoBackup.VaultPort(vault), writer: AtomicBackupWriter(folder: FileBackupFolder(dir), name: "a.json"), state: state)
        let file = dir.appendingPathComponent("a.json")
        XCTAssertEqual(backup.sync(), .written(accounts: 0))
        XCTAssertEqual(backup.sync(), .upToDate)
        let added = try vault.addUri(uri: "otpauth://totp/ACME:anna?secret=JBSWY3DPEHPK3PXP&issuer=ACME")
        XCTAssertEqual(backup.sync(), .written(accounts: 1))
        XCTAssertEqual(try restore(file), ["ACME"])
        _ = try vault.updateAccount(id: added.account.id, changes: AccountChanges(issuer: "Region Skåne", name: nil, note: nil))
        XCTAssertEqual(backup.sync(), .written(accounts: 1))
        XCTAssertEqual(try restore(file), ["Region Skåne"])
        try vault.deleteAccount(id: added.account.id)
        XCTAssertEqual(backup.sync(), .written(accounts: 0))
        XCTAssertEqual(try files(dir), ["a.json"], "no temporary file left")
    }

    func testTheCodeRefreshCostsNoFingerprintQueryAndEveryWriteIsStillBackedUp() throws {
        let path = TestSupport.vaultPath()
        let vault = try TestSupport.newVault(path: path)
        let hotp = try vault.addUri(uri: "otpauth://hotp/WWE:Mason?secret=JBSWY3DPEHPK3PXP&counter=3").account.id
        _ = try vault.addUri(uri: "otpauth://totp/ACME:anna?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME")
        let dir = try tempDir()
        let port = CountingPort(vault)
        let backup = AutoBackup(port: port, writer: AtomicBackupWriter(folder: FileBackupFolder(dir), name: "b.json"),
                                state: MemoryState(try vault.autoBackupKey(password: code, kdf: kdfMinimum())))
        XCTAssertEqual(backup.sync(), .written(accounts: 2))
        // The backup logged an activity entry (a write): one more query finds nothing new.
        XCTAssertEqual(backup.sync(), .upToDate)
        let settled = port.fingerprints

        // What the account list does every second, each followed by a sync as the apps do.
        for _ in 0..<20 {
            _ = try vault.codes()
            XCTAssertEqual(backup.sync(), .upToDate)
            _ = try vault.accounts()
            XCTAssertEqual(backup.sync(), .upToDate)
        }
        XCTAssertEqual(port.fingerprints, settled, "reads write nothing: no fingerprint query")

        _ = try vault.nextHotpCode(id: hotp) // a counter step is a write
        XCTAssertEqual(backup.sync(), .written(accounts: 2))
        XCTAssertEqual(port.fingerprints, settled + 1)
        // A write by another vault object on the same file (another process) is seen too.
        let other = try NyckelVault.open(path: path)
        try other.unlockWithPassphrase(passphrase: TestSupport.passphrase)
        _ = try other.addUri(uri: "otpauth://totp/Other:bo?secret=JBSWY3DPEHPK3PXQ&issuer=Other")
        XCTAssertEqual(backup.sync(), .written(accounts: 3))
    }

    func testAFailedWriteKeepsThePreviousBackupIsReportedAndIsTriedAgain() throws {
        let vault = try TestSupport.newVault()
        _ = try vault.addUri(uri: "otpauth://totp/ACME:anna?secret=JBSWY3DPEHPK3PXP&issuer=ACME")
        let dir = try tempDir()
        let folder = FlakyFolder(dir)
        let backup = AutoBackup(port: AutoBackup.VaultPort(vault), writer: AtomicBackupWriter(folder: folder, name: "b.json"),
                                state: MemoryState(try vault.autoBackupKey(password: code, kdf: kdfMinimum())))
        _ = backup.sync()
        let first = try Data(contentsOf: dir.appendingPathComponent("b.json"))
        _ = try vault.addUri(uri: "otpauth://totp/Second:bo?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Second")

        folder.failOn = "write"
        guard case .notWritten = backup.sync() else { return XCTFail("expected notWritten") }
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("b.json")), first, "the previous backup is untouched")
        folder.failOn = "rename:b.json.new"
        guard case .notWritten = backup.sync() else { return XCTFail("expected notWritten") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("b.json").path))
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("b.json.old")), first)
        XCTAssertEqual(backup.sync(), .written(accounts: 2), "tried again at the next sync")
        XCTAssertEqual(try restore(dir.appendingPathComponent("b.json")).sorted(), ["ACME", "Second"])
        XCTAssertEqual(try files(dir), ["b.json"])
        XCTAssertEqual(try vault.accounts().count, 2, "the vault is never touched")
    }

    func testNoKeyIsOffAndAKeyOfAnotherVaultIsRefusedByTheLibrary() throws {
        let vault = try TestSupport.newVault()
        let dir = try tempDir()
        let writer = AtomicBackupWriter(folder: FileBackupFolder(dir), name: "b.json")
        XCTAssertEqual(AutoBackup(port: AutoBackup.VaultPort(vault), writer: writer, state: MemoryState(nil)).sync(), .off)
        let other = try TestSupport.newVault()
        let foreign = MemoryState(try other.autoBackupKey(password: code, kdf: kdfMinimum()))
        guard case let .refused(e) = AutoBackup(port: AutoBackup.VaultPort(vault), writer: writer, state: foreign).sync() else {
            return XCTFail("expected refused")
        }
        XCTAssertEqual(e.kind(), .invalidInput)
        XCTAssertEqual(try files(dir), [])
    }
}
