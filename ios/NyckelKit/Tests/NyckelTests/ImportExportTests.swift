import Foundation
import XCTest
@testable import Nyckel

/// Import from files and transfer QR codes, export and backup, through the FFI.
final class ImportExportTests: XCTestCase {
    static let secrets = (0..<10).map { _ in TestSupport.randomSecret() }

    /// The ground truth of ../shared/fixtures/import/aegis-testdata/README.md, by secret.
    static let truthSecrets: Set<String> = [
        "4SJHB4GSD43FZBAI7C2HLRJGPQ", "5OM4WOOGPLQEF6UGN3CPEOOLWU", "7ELGJSGXNCCTV3O6LKJWYFV2RA",
        "YOOMIXWS5GN6RTBPUFFWKTW5M4", "KUVJJOM753IHTNDSZVCNKL7GII", "5VAML3X35THCEBVRLV24CGBKOY",
        "JRZCL47CMXVOQMNPZR2F7J4RGI",
    ]

    /// File, password, accounts (the README's per-app differences).
    static let fixtures: [(String, String?, UInt32)] = [
        ("plain.txt", nil, 7), ("aegis_plain.json", nil, 7), ("aegis_encrypted.json", "test", 7),
        ("2fas_authenticator_plain.2fas", nil, 4), ("2fas_authenticator_encrypted.2fas", "test", 4),
        ("2fas_authenticator_plain_v4.2fas", nil, 5), ("2fas_authenticator_encrypted_v4.2fas", "test", 5),
        ("bitwarden.json", nil, 4), ("bitwarden.csv", nil, 4), ("proton_authenticator.json", nil, 3),
        ("ente_auth.txt", nil, 7), ("freeotp_plus.json", nil, 6), ("andotp_plain.json", nil, 7),
        ("steam.json", nil, 1), ("google_authenticator.sqlite", nil, 6), ("microsoft_authenticator.sqlite", nil, 7),
    ]

    func uri(_ i: Int) -> String { TestSupport.totpUri(Self.secrets[i], issuer: "Issuer\(i)", name: "user\(i)") }

    /// Every account as "issuer|name|secret", sorted: what a round trip must keep.
    func secretsOf(_ vault: NyckelVault) throws -> [String] {
        try vault.accounts().map { a in
            let uri = try vault.exportUri(id: a.id, via: .uri)
            let secret = uri.components(separatedBy: "secret=")[1].components(separatedBy: "&")[0]
            return "\(a.issuer)|\(a.name)|\(secret)"
        }.sorted()
    }

    func expectInvalidInput<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> String {
        var reason = ""
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard case NyckelError.InvalidInput(let r) = error else { return XCTFail("got \(error)", file: file, line: line) }
            reason = r
        }
        return reason
    }

    func testImportFromAFileWithPerEntryOutcomesDryRunFirst() throws {
        let vault = try TestSupport.newVault()
        let file = Data("# my codes\n\n\(uri(0))\n\(uri(1))\nnot a uri\n".utf8)
        let info = try inspectImportFile(data: file)
        XCTAssertEqual(info, ImportFileInfo(format: "otpauth", encrypted: false))

        let dry = try vault.importFile(data: file, dryRun: true)
        XCTAssertEqual([dry.imported, dry.wouldImport, dry.failed], [0, 2, 1])
        XCTAssertFalse(dry.committed)
        XCTAssertEqual(dry.entries[0].outcome, .imported(accountId: nil))
        guard case .failed(let reason) = dry.entries[2].outcome, !reason.isEmpty else { return XCTFail("\(dry.entries[2])") }
        XCTAssertTrue(try vault.accounts().isEmpty)

        XCTAssertFalse(try vault.importFile(data: file).committed) // one failure: nothing added
        XCTAssertTrue(try vault.accounts().isEmpty)
        let kept = try vault.importFile(data: file, keepGood: true)
        XCTAssertEqual(kept.imported, 2)
        let ids = try vault.accounts().map(\.id)
        XCTAssertEqual(kept.entries[0].outcome, .imported(accountId: ids[0]))
        let again = try vault.importFile(data: file, format: "otpauth", keepGood: true)
        XCTAssertEqual(again.duplicates, 2)
        XCTAssertEqual(again.entries[1].outcome, .duplicate(existingId: ids[1]))
        _ = expectInvalidInput(try vault.importFile(data: Data("hello".utf8)))
        _ = expectInvalidInput(try vault.importFile(data: file, format: "no-such-format"))
        XCTAssertTrue(importFormatNames().contains("aegis"))
    }

    func testRealExportFilesOfOtherAppsImportToTheirGroundTruth() throws {
        guard let dir = ProcessInfo.processInfo.environment["NYCKEL_IMPORT_FIXTURES"],
              FileManager.default.fileExists(atPath: dir) else {
            FileHandle.standardError.write(Data("SKIPPED: ../shared/fixtures/import/aegis-testdata not found (ImportExportTests real files)\n".utf8))
            throw XCTSkip("../shared/fixtures/import/aegis-testdata not found")
        }
        for (file, password, count) in Self.fixtures {
            let data = try Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent(file))
            XCTAssertEqual(try inspectImportFile(data: data).encrypted, password != nil, file)
            let vault = try TestSupport.newVault()
            let summary = try vault.importFile(data: data, password: password)
            XCTAssertEqual([summary.imported, summary.failed], [count, 0], file)
            XCTAssertTrue(summary.committed, file)
            for s in try secretsOf(vault) {
                XCTAssertTrue(Self.truthSecrets.contains(String(s.split(separator: "|").last!)), "\(file): \(s)")
            }
        }
        let vault = try TestSupport.newVault()
        let data = try Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent("aegis_encrypted.json"))
        XCTAssertThrowsError(try vault.importFile(data: data, password: "not test")) { error in
            XCTAssertEqual(error as? NyckelError, .WrongPassphrase)
        }
        XCTAssertTrue(try vault.accounts().isEmpty)
    }

    func testASequenceOfTransferQrCodesImportsAndAMissingOneIsNamed() throws {
        let vault = try TestSupport.newVault()
        for i in 0..<10 { _ = try vault.addUri(uri: uri(i)) }
        _ = try vault.addUri(uri: "otpauth://steam/Steam:s?secret=\(TestSupport.randomSecret())")
        let plan = try vault.exportPlan(format: .googleQr)
        XCTAssertEqual(plan.accounts.count, 10)
        XCTAssertEqual(plan.leftOut.map(\.label), ["Steam (s)"])
        let out = try vault.export(format: .googleQr)
        XCTAssertEqual(out.qrPayloads().count, 2)
        XCTAssertEqual(out.leftOut(), plan.leftOut)

        var scanned = [out.qrPayloads()[1]]
        XCTAssertEqual(try googleTransferProgress(payloads: scanned),
                       TransferProgress(total: 2, scanned: [2], missing: [1], accounts: 2))
        let fresh = try TestSupport.newVault()
        let reason = expectInvalidInput(try fresh.importGoogleTransfer(payloads: scanned))
        XCTAssertTrue(reason.contains("batch 1 of 2 missing"), reason)
        XCTAssertTrue(try fresh.accounts().isEmpty)
        _ = expectInvalidInput(try googleTransferProgress(payloads: ["otpauth://totp/x?secret=AA"]))

        scanned.append(out.qrPayloads()[0])
        XCTAssertEqual(try googleTransferProgress(payloads: scanned).missing, [])
        let summary = try fresh.importGoogleTransfer(payloads: scanned)
        XCTAssertEqual(summary.format, "google-transfer")
        XCTAssertEqual(summary.imported, 10)
        XCTAssertEqual(try secretsOf(fresh), try secretsOf(vault).filter { !$0.hasPrefix("Steam") })
    }

    func testBackupToAFileAndRestoreIntoANewVaultByTheSecret() throws {
        let vault = try TestSupport.newVault()
        for i in 0..<3 { _ = try vault.addUri(uri: uri(i)) }
        _ = try vault.addUri(uri: "otpauth://hotp/H:h?secret=\(Self.secrets[9])&counter=42")
        _ = expectInvalidInput(try vault.export(format: .nyckel, kdf: kdfMinimum()))
        let backup = try vault.export(format: .nyckel, password: "backup pässword", kdf: kdfMinimum())
        XCTAssertEqual(backup.exportedAccountIds().count, 4)
        XCTAssertTrue(backup.leftOut().isEmpty)
        guard case .exported(_, let format) = try vault.activity(limit: 1)[0].event else { return XCTFail("not logged") }
        XCTAssertEqual(format, "export:nyckel")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nyckel-backup-\(UUID().uuidString).json")
        try backup.bytes().write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let fresh = try TestSupport.newVault()
        XCTAssertEqual(try inspectImportFile(data: Data(contentsOf: file)), ImportFileInfo(format: "nyckel", encrypted: true))
        let restored = try fresh.importFile(data: Data(contentsOf: file), format: "nyckel", password: "backup pässword")
        XCTAssertEqual(restored.imported, 4)
        XCTAssertEqual(try secretsOf(fresh), try secretsOf(vault))
        XCTAssertEqual(try fresh.accounts().first { $0.issuer == "H" }?.counter, 42)
        XCTAssertEqual(try fresh.codesAt(unixTime: 59).map(\.code.code), try vault.codesAt(unixTime: 59).map(\.code.code))
    }

    func testAWrongBackupPasswordIsTypedAndChangesNothing() throws {
        let vault = try TestSupport.newVault()
        _ = try vault.addUri(uri: uri(0))
        let backup = try vault.export(format: .nyckel, password: "right", kdf: kdfMinimum()).bytes()
        let fresh = try TestSupport.newVault()
        _ = try fresh.addUri(uri: uri(5))
        let accounts = try fresh.accounts(), activity = try fresh.activity(limit: 100)
        XCTAssertThrowsError(try fresh.importFile(data: backup, password: "wrong")) { error in
            XCTAssertEqual(error as? NyckelError, .WrongPassphrase)
            XCTAssertEqual((error as? NyckelError)?.kind(), .wrongPassphrase)
        }
        _ = expectInvalidInput(try fresh.importFile(data: backup)) // password required
        var tampered = backup
        tampered[tampered.count - 10] ^= 1
        XCTAssertThrowsError(try fresh.importFile(data: tampered, password: "right")) { error in
            let kind = (error as? NyckelError)?.kind()
            XCTAssertTrue(kind == .invalidInput || kind == .wrongPassphrase, "\(error)")
        }
        XCTAssertEqual(try fresh.accounts(), accounts)
        XCTAssertEqual(try fresh.activity(limit: 100), activity)
        try fresh.lock()
        XCTAssertThrowsError(try fresh.importFile(data: backup, password: "right")) { error in
            XCTAssertEqual(error as? NyckelError, .Locked)
        }
    }

    func testEveryFileFormatRoundTrips() throws {
        let vault = try TestSupport.newVault()
        for i in 0..<3 { _ = try vault.addUri(uri: uri(i)) }
        for format in [ExportFormat.aegis, .aegisEncrypted, .otpauth] {
            let out = try vault.export(format: format, password: "pw")
            let fresh = try TestSupport.newVault()
            XCTAssertEqual(try fresh.importFile(data: out.bytes(), password: "pw").imported, 3, "\(format)")
            XCTAssertEqual(try secretsOf(fresh), try secretsOf(vault), "\(format)")
        }
    }
}
