import Foundation
import XCTest
import Nyckel
@testable import Nyckel_App

/// Records what the offer asked; folders in `withBackup` already hold one; `failWith` fails turning on.
private final class ScriptedBackups: FirstRunFlow.Backups {
    var calls: [String] = []
    var withBackup: Set<Data> = []
    var failWith: Problem?
    func hasBackup(_ folder: Data) -> Bool { withBackup.contains(folder) }
    func turnOn(folder: Data, folderName: String, secret: String) -> Problem? {
        calls.append("turnOn(\(String(decoding: folder, as: UTF8.self)), \(folderName), \(secret))")
        return failWith
    }
}

final class FirstRunFlowTests: XCTestCase {
    private let backups = ScriptedBackups()
    private let code = "K7PQA-MX3DE-AAAAA-BBBBB-CCCCC-DDDDD"
    private let tree1 = Data("bm-1".utf8)

    func testBiometricsThenARecoveryCodeThenTheBackupOfferWithThatCodeThenDone() {
        let flow = FirstRunFlow(backups: backups)
        XCTAssertEqual(flow.step, .welcome)
        flow.vaultCreated(passphrase: nil)
        XCTAssertEqual(flow.step, .recovery, "a biometric vault gets a way back in first")
        flow.recoverySet(code)
        XCTAssertEqual(flow.step, .backupOffer(problem: nil))
        XCTAssertFalse(flow.description.contains("K7PQA"), "no secret in the description: \(flow)")
        flow.chooseFolder(tree1, name: "iCloud Drive/Nyckel")
        XCTAssertEqual(backups.calls, ["turnOn(bm-1, iCloud Drive/Nyckel, \(code))"], "sealed with the code just set")
        XCTAssertEqual(flow.step, .done(backupFolder: "iCloud Drive/Nyckel", noRecovery: false))
        flow.skipBackups() // a late tap
        XCTAssertEqual(flow.step, .done(backupFolder: "iCloud Drive/Nyckel", noRecovery: false))
    }

    func testARestoreComesBeforeAnyBackupAndAFolderHoldingABackupAsksBeforeReplacingIt() {
        let flow = FirstRunFlow(backups: backups)
        flow.choose(.restore)
        flow.vaultCreated(passphrase: nil)
        flow.recoverySet(code)
        XCTAssertEqual(flow.step, .restoring)
        flow.chooseFolder(tree1, name: "Drive") // no offer yet: nothing may be written before the restore
        XCTAssertEqual(flow.step, .restoring)
        XCTAssertEqual(backups.calls, [])
        flow.transferLeft()
        XCTAssertEqual(flow.step, .backupOffer(problem: nil))

        backups.withBackup.insert(tree1)
        flow.chooseFolder(tree1, name: "Drive")
        XCTAssertEqual(flow.step, .confirmReplace(folderName: "Drive"))
        XCTAssertEqual(backups.calls, [], "the backup there is not replaced unasked")
        flow.chooseAnother()
        XCTAssertEqual(flow.step, .backupOffer(problem: nil))
        flow.replace() // a late tap
        XCTAssertEqual(backups.calls, [])
        flow.chooseFolder(tree1, name: "Drive")
        flow.replace()
        XCTAssertEqual(backups.calls, ["turnOn(bm-1, Drive, \(code))"])
        XCTAssertEqual(flow.step, .done(backupFolder: "Drive", noRecovery: false))
    }

    func testAPassphraseVaultNeedsNoRecoveryStepItsPassphraseSealsTheBackupsAfterTheMove() {
        let flow = FirstRunFlow(backups: backups)
        flow.choose(.moveIn)
        flow.vaultCreated(passphrase: "lång lösenfras 2026")
        XCTAssertEqual(flow.step, .movingIn)
        flow.recoverySet("other") // not asked: ignored
        flow.transferLeft()
        flow.chooseFolder(Data("bm-2".utf8), name: "USB")
        XCTAssertEqual(backups.calls, ["turnOn(bm-2, USB, lång lösenfras 2026)"])
        XCTAssertEqual(flow.step, .done(backupFolder: "USB", noRecovery: false))
    }

    func testSkippingTheRecoverySetupMeansNoBackupOfferAfterARestoreToo() {
        let fresh = FirstRunFlow(backups: backups)
        fresh.vaultCreated(passphrase: nil)
        fresh.recoverySkipped()
        XCTAssertEqual(fresh.step, .done(backupFolder: nil, noRecovery: true))

        let restore = FirstRunFlow(backups: backups)
        restore.choose(.restore)
        restore.vaultCreated(passphrase: nil)
        restore.recoverySkipped()
        XCTAssertEqual(restore.step, .restoring, "the restore still opens")
        restore.transferLeft()
        XCTAssertEqual(restore.step, .done(backupFolder: nil, noRecovery: true))
        XCTAssertEqual(backups.calls, [])
    }

    func testAFailedTurnOnStaysOnTheOfferWithTheReasonAndSkippingEndsWithoutBackups() {
        let flow = FirstRunFlow(backups: backups)
        flow.vaultCreated(passphrase: nil)
        flow.recoverySet(code)
        backups.failWith = Problem(kind: .backupNotSaved, detail: "no space")
        flow.chooseFolder(tree1, name: "Full")
        XCTAssertEqual(flow.step, .backupOffer(problem: Problem(kind: .backupNotSaved, detail: "no space")))
        flow.skipBackups()
        XCTAssertEqual(flow.step, .done(backupFolder: nil, noRecovery: false))
    }

    func testTheIntentIsFixedOnceTheVaultExistsAndStepsIgnoreCallsThatDoNotFit() {
        let flow = FirstRunFlow(backups: backups)
        flow.choose(.restore)
        flow.choose(.fresh)
        flow.recoverySet(code) // before the vault: ignored
        flow.transferLeft()
        XCTAssertEqual(flow.step, .welcome)
        flow.vaultCreated(passphrase: nil)
        flow.choose(.moveIn)
        XCTAssertEqual(flow.intent, .fresh)
        flow.vaultCreated(passphrase: "again") // once only
        XCTAssertEqual(flow.step, .recovery)
    }
}

/// The offer over the real settings logic: a scripted library, real files.
private final class OfferPort: AutoBackupSettings.Port {
    func recoverySecret(_ typed: String) throws -> String {
        if typed != "K7PQA-MX3DE" { throw NyckelError.WrongPassphrase }
        return typed
    }
    func autoBackupKey(_ secret: String) throws -> Data { Data("sealed:\(secret)".utf8) }
    func changeStamp() throws -> String { "1" }
    func fingerprint() throws -> String { "v1" }
    func backup(sealedKey: Data) throws -> (Data, Int) { (Data("backup".utf8), 3) }
}

private final class OfferStore: AutoBackupStore {
    var sealedKey: Data?
    var folder: Data?
    var folderName: String?
    var lastFingerprint: String?
}

private struct SometimesFullFolder: BackupFolder {
    let real: FileBackupFolder
    let full: Bool
    func exists(_ name: String) -> Bool { real.exists(name) }
    func write(_ name: String, _ data: Data) throws {
        if full { throw CocoaError(.fileWriteOutOfSpace) }
        try real.write(name, data)
    }
    func rename(_ from: String, to: String) throws { try real.rename(from, to: to) }
    func delete(_ name: String) throws { try real.delete(name) }
}

final class SettingsFirstRunBackupsTests: XCTestCase {
    private let root = FileManager.default.temporaryDirectory.appendingPathComponent("nyckel-first-run-\(UUID().uuidString)")
    private let store = OfferStore()
    private var full = false

    private func folder(_ handle: Data) throws -> BackupFolder {
        let dir = root.appendingPathComponent(String(decoding: handle, as: UTF8.self))
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return SometimesFullFolder(real: FileBackupFolder(dir), full: full)
    }

    private func offer() -> (AutoBackupSettings, SettingsFirstRunBackups) {
        let settings = AutoBackupSettings(port: OfferPort(), store: store) { [unowned self] in try self.folder($0) }
        return (settings, SettingsFirstRunBackups(settings: settings) { [unowned self] in try self.folder($0) })
    }

    func testTurningOnWritesTheFirstBackupAndAFolderWithOneIsRecognised() {
        let (settings, backups) = offer()
        XCTAssertFalse(backups.hasBackup(Data("bm-1".utf8)))
        XCTAssertNil(backups.turnOn(folder: Data("bm-1".utf8), folderName: "Nyckel", secret: "K7PQA-MX3DE"))
        XCTAssertEqual(settings.step, .on(folderName: "Nyckel", last: .written(accounts: 3)))
        XCTAssertTrue(backups.hasBackup(Data("bm-1".utf8)))
    }

    func testAFirstBackupThatCannotBeWrittenIsReportedAndLeavesBackupsOff() {
        full = true
        let (settings, backups) = offer()
        let problem = backups.turnOn(folder: Data("bm-1".utf8), folderName: "Full", secret: "K7PQA-MX3DE")
        XCTAssertEqual(problem?.kind, .backupNotSaved)
        XCTAssertEqual(settings.step, .off)
        XCTAssertNil(store.sealedKey)
    }

    func testASecretTheVaultRefusesIsTheSettingsProblem() {
        let (_, backups) = offer()
        XCTAssertEqual(backups.turnOn(folder: Data("bm-1".utf8), folderName: "Nyckel", secret: "wrong")?.kind, .wrongPassphrase)
    }
}
