import Foundation
import XCTest
import Nyckel
@testable import Nyckel_App

/// A scripted library: records the calls, answers what the test set.
private final class FakePort: TransferPort {
    var calls: [String] = []
    var encrypted = false
    var failed: UInt32 = 0
    var fail: Error?

    func summary(dryRun: Bool, keepGood: Bool) -> ImportSummary {
        let committed = !dryRun && (failed == 0 || keepGood)
        var entries = [
            ImportEntry(position: 1, label: "ACME (anna)", outcome: .imported(accountId: committed ? 1 : nil), warnings: []),
            ImportEntry(position: 2, label: "Old (x)", outcome: .duplicate(existingId: 9), warnings: []),
        ]
        for i in 0..<failed {
            entries.append(ImportEntry(position: 3 + i, label: "entry \(3 + i)", outcome: .failed(reason: "motp is not supported"), warnings: []))
        }
        return ImportSummary(format: "aegis", committed: committed, imported: committed ? 1 : 0, wouldImport: 1,
                             duplicates: 1, failed: failed, entries: entries, notes: [])
    }

    func inspect(data: Data, format: String?) throws -> ImportFileInfo {
        calls.append("inspect(\(format ?? "nil"))")
        if let fail { throw fail }
        return ImportFileInfo(format: format ?? "aegis", encrypted: encrypted)
    }

    func importFile(data: Data, format: String?, password: String?, dryRun: Bool, keepGood: Bool) throws -> ImportSummary {
        calls.append("importFile(\(format ?? "nil"), \(password != nil), dry=\(dryRun), keep=\(keepGood))")
        if encrypted && password != "right" { throw NyckelError.WrongPassphrase }
        return summary(dryRun: dryRun, keepGood: keepGood)
    }

    func transferProgress(payloads: [String]) throws -> TransferProgress {
        calls.append("progress(\(payloads.count))")
        if payloads.contains(where: { $0.contains("other") }) {
            throw NyckelError.InvalidInput(reason: "Google Authenticator export: the QR codes belong to different exports")
        }
        let scanned = Set(payloads.map { UInt32($0.components(separatedBy: "batch=")[1])! }).sorted()
        return TransferProgress(total: 3, scanned: scanned, missing: (1...3).filter { !scanned.contains($0) }, accounts: UInt32(scanned.count))
    }

    func importTransfer(payloads: [String], dryRun: Bool, keepGood: Bool) throws -> ImportSummary {
        calls.append("importTransfer(\(payloads.count), dry=\(dryRun))")
        var s = summary(dryRun: dryRun, keepGood: keepGood)
        s.format = "google-transfer"
        return s
    }

    func backupPlan() throws -> ExportPlan {
        calls.append("plan")
        if let fail { throw fail }
        return ExportPlan(accounts: [], leftOut: [LeftOut(label: "anna at https://idp.example.se", reason: "enroll the new phone again", cause: .deviceBound(phoneSignin: false))])
    }

    func backup(password: String) throws -> Backup {
        calls.append("backup")
        return Backup(bytes: Data([1, 2, 3]), accounts: 1, leftOut: try backupPlan().leftOut)
    }
}

final class TransferLogicTests: XCTestCase {
    func code(_ batch: Int) -> String { "otpauth-migration://offline?data=x&batch=\(batch)" }

    func testAPlainFileGoesToThePreviewAndIsImportedOnlyOnConfirm() {
        let port = FakePort(), flow = ImportFlow()
        flow.chooseFile(port, Data([1]))
        guard case .preview(let s) = flow.step else { return XCTFail("\(flow.step)") }
        XCTAssertFalse(ImportFlow.keepsGoodOnly(s))
        XCTAssertEqual(port.calls, ["inspect(nil)", "importFile(nil, false, dry=true, keep=false)"])
        flow.confirm(port)
        guard case .done(let done) = flow.step else { return XCTFail("\(flow.step)") }
        XCTAssertEqual(done.imported, 1)
        XCTAssertNil(flow.problem)
    }

    func testAnEncryptedFileAsksForItsPasswordAndAWrongOneKeepsAsking() {
        let port = FakePort(), flow = ImportFlow()
        port.encrypted = true
        flow.chooseFile(port, Data([1]))
        XCTAssertEqual(flow.step, .password(format: "aegis"))
        flow.submitPassword(port, "wrong")
        XCTAssertEqual(flow.step, .password(format: "aegis"))
        XCTAssertTrue(ImportFlow.isWrongPassword(flow.problem))
        XCTAssertEqual(flow.problem?.nextStep, .fixInput)
        XCTAssertEqual(flow.problem?.message, "Wrong passphrase.")
        flow.submitPassword(port, "right")
        guard case .preview = flow.step else { return XCTFail("\(flow.step)") }
        flow.confirm(port)
        XCTAssertEqual(port.calls.last, "importFile(nil, true, dry=false, keep=false)")
    }

    func testFailedEntriesAreShownAndConfirmingAddsTheOthers() {
        let port = FakePort(), flow = ImportFlow()
        port.failed = 2
        flow.chooseFile(port, Data([1]))
        guard case .preview(let s) = flow.step else { return XCTFail("\(flow.step)") }
        XCTAssertTrue(ImportFlow.keepsGoodOnly(s))
        flow.confirm(port)
        XCTAssertEqual(port.calls.last, "importFile(nil, false, dry=false, keep=true)")
    }

    func testAnUnreadableFileStaysOnChooseWithTheLibrarysReason() {
        let port = FakePort(), flow = ImportFlow()
        port.fail = NyckelError.InvalidInput(reason: "unrecognised file format")
        flow.chooseFile(port, Data([1]))
        XCTAssertEqual(flow.step, .choose)
        XCTAssertEqual(flow.problem?.kind, .invalidInput)
        XCTAssertEqual(flow.problem?.message, "Please check what you entered (unrecognised file format)")
    }

    func testRestoringFixesTheFormatToANyckelBackup() {
        let port = FakePort(), flow = ImportFlow(format: ImportFlow.backupFormat)
        port.encrypted = true
        flow.chooseFile(port, Data([1]))
        XCTAssertEqual(flow.step, .password(format: "nyckel"))
        flow.submitPassword(port, "right")
        flow.confirm(port)
        XCTAssertEqual(port.calls, ["inspect(nyckel)", "importFile(nyckel, true, dry=true, keep=false)", "importFile(nyckel, true, dry=false, keep=false)"])
    }

    func testTransferCodesAreCollectedAndTheLastOnePreviews() {
        let port = FakePort(), flow = ImportFlow()
        flow.startScanning()
        XCTAssertEqual(flow.step, .scanning(nil))
        flow.scanned(port, code(2))
        guard case .scanning(let p) = flow.step else { return XCTFail("\(flow.step)") }
        XCTAssertEqual(p?.missing, [1, 3])
        flow.scanned(port, " \(code(2)) ")
        XCTAssertEqual(port.calls.filter { $0.hasPrefix("progress") }.count, 1) // a repeat asks nothing
        flow.scanned(port, "otpauth://totp/x?secret=AAAA")
        XCTAssertEqual(flow.problem?.kind, .notATransferCode)
        flow.scanned(port, code(1) + "other")
        XCTAssertEqual(flow.problem?.kind, .invalidInput)
        flow.scanned(port, code(1))
        XCTAssertNil(flow.problem)
        flow.scanned(port, code(3))
        guard case .preview(let s) = flow.step else { return XCTFail("\(flow.step)") }
        XCTAssertEqual(s.format, "google-transfer")
        flow.confirm(port)
        XCTAssertEqual(port.calls.last, "importTransfer(3, dry=false)")
        let calls = port.calls.count
        flow.scanned(port, code(1)) // a late camera frame: ignored
        flow.confirm(port) // a second tap: ignored
        flow.submitPassword(port, "right")
        guard case .done = flow.step else { return XCTFail("\(flow.step)") }
        XCTAssertEqual(port.calls.count, calls)
    }

    func testABackupShowsWhatItLeavesOutChecksThePasswordTwiceAndNamesTheFile() {
        let port = FakePort(), flow = BackupFlow()
        XCTAssertEqual(flow.step, .loading)
        flow.load(port)
        guard case .ready(let plan) = flow.step else { return XCTFail("\(flow.step)") }
        XCTAssertEqual(plan.leftOut.map(\.label), ["anna at https://idp.example.se"])
        XCTAssertEqual(BackupFlow.passwordProblem("short", "short"), .tooShort)
        XCTAssertEqual(BackupFlow.passwordProblem("long enough pw", "long enough pW"), .mismatch)
        XCTAssertNil(BackupFlow.passwordProblem("long enough pw", "long enough pw"))
        let day = Date(timeIntervalSince1970: 1_796_428_800) // 2026-12-05 UTC
        flow.create(port, password: "long enough pw", confirm: "other", today: day)
        XCTAssertFalse(port.calls.contains("backup"))
        flow.create(port, password: "long enough pw", confirm: "long enough pw", today: day)
        XCTAssertEqual(flow.step, .save(fileName: "nyckel-backup-2026-12-05.json"))
        XCTAssertEqual(flow.backup?.bytes, Data([1, 2, 3]))
        flow.saveFailed(cancelled: false)
        XCTAssertEqual(flow.problem?.kind, .backupNotSaved)
        flow.saveFailed(cancelled: true)
        XCTAssertNil(flow.problem)
        flow.saved()
        XCTAssertEqual(flow.step, .done(accounts: 1, leftOut: 1))
        XCTAssertNil(flow.backup)
    }

    func testALockedVaultWhilePlanningIsShownThroughTheClassification() {
        let port = FakePort(), flow = BackupFlow()
        port.fail = NyckelError.Locked
        flow.load(port)
        XCTAssertEqual(flow.problem?.kind, .locked)
        XCTAssertEqual(flow.problem?.nextStep, .unlock)
    }

    func testTheFlowsOverARealVaultRestoreABackupBySecret() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nyckel-app-logic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let old = try NyckelVault.create(path: dir.appendingPathComponent("old").path, passphrase: "pw", kdf: kdfMinimum())
        _ = try old.addUri(uri: "otpauth://totp/ACME:anna?secret=JBSWY3DPEHPK3PXP&issuer=ACME")
        let backup = BackupFlow()
        backup.load(VaultTransferPort(vault: old))
        backup.create(VaultTransferPort(vault: old), password: "a long backup password", confirm: "a long backup password", today: Date())
        let bytes = try XCTUnwrap(backup.backup?.bytes)

        let fresh = try NyckelVault.create(path: dir.appendingPathComponent("new").path, passphrase: "pw", kdf: kdfMinimum())
        let restore = ImportFlow(format: ImportFlow.backupFormat)
        restore.chooseFile(VaultTransferPort(vault: fresh), bytes)
        XCTAssertEqual(restore.step, .password(format: "nyckel"))
        restore.submitPassword(VaultTransferPort(vault: fresh), "not it")
        XCTAssertTrue(ImportFlow.isWrongPassword(restore.problem))
        XCTAssertTrue(try fresh.accounts().isEmpty)
        restore.submitPassword(VaultTransferPort(vault: fresh), "a long backup password")
        restore.confirm(VaultTransferPort(vault: fresh))
        guard case .done(let s) = restore.step else { return XCTFail("\(restore.step)") }
        XCTAssertEqual(s.imported, 1)
        XCTAssertEqual(try fresh.codesAt(unixTime: 59).map(\.code.code), try old.codesAt(unixTime: 59).map(\.code.code))
    }

    func testABackupSealedWithTheRecoveryCodeRestoresWithTheCodeTypedLoosely() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nyckel-app-logic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let old = try NyckelVault.create(path: dir.appendingPathComponent("old").path, passphrase: "pw", kdf: kdfMinimum())
        _ = try old.addUri(uri: "otpauth://totp/ACME:anna?secret=JBSWY3DPEHPK3PXP&issuer=ACME")
        let code = try generateRecoveryCode()
        let bytes = try old.export(format: .nyckel, password: code, kdf: kdfMinimum()).bytes()
        let fresh = try NyckelVault.create(path: dir.appendingPathComponent("new").path, passphrase: "pw", kdf: kdfMinimum())
        let restore = ImportFlow(format: ImportFlow.backupFormat)
        restore.chooseFile(VaultTransferPort(vault: fresh), bytes)
        restore.submitPassword(VaultTransferPort(vault: fresh), code.lowercased().replacingOccurrences(of: "-", with: " "))
        restore.confirm(VaultTransferPort(vault: fresh))
        guard case .done(let s) = restore.step else { return XCTFail("\(restore.step) \(String(describing: restore.problem))") }
        XCTAssertEqual(s.imported, 1)
    }
}

final class BoundedReadTests: XCTestCase {
    private func file(_ bytes: Data) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bounded-\(UUID().uuidString)")
        try bytes.write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testAFileUpToTheLimitIsReadWholeAndOneByteMoreIsRefused() throws {
        let bytes = Data((0..<200_000).map { UInt8($0 % 251) })
        let url = try file(bytes)
        XCTAssertEqual(BoundedRead.read(url, max: 200_000), bytes)
        XCTAssertNil(BoundedRead.read(url, max: 199_999))
        XCTAssertEqual(BoundedRead.read(try file(Data()), max: 10), Data())
    }

    func testAMissingFileIsNotRead() {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString)")
        XCTAssertNil(BoundedRead.read(missing))
    }
}
