import Foundation
import XCTest
@testable import Nyckel

/// The iOS half of "a backup restores on either platform" (docs/recovery.md §5), both ways:
/// - Android → iOS: restores the automatic backup the Kotlin library wrote in this run's
///   Kotlin suite (`CrossPlatformBackupTest.kt`, through AutoBackup and AtomicBackupWriter on
///   the JVM) with its recovery code typed as a user would, and finds every account and note it
///   listed. `cargo xtask test` passes NYCKEL_FROM_KOTLIN when the Kotlin suite left the file;
///   without it the test is skipped, visibly.
/// - iOS → Android: writes an automatic backup through NyckelKit's AutoBackup and
///   AtomicBackupWriter, with a manifest, into NYCKEL_CROSS_PLATFORM_OUT, for the
///   "Cross-platform" suite that runs after this one to restore on the JVM
///   (`CrossPlatformRestoreTest.kt`). Skipped, visibly, without the variable.
final class CrossPlatformBackupTests: XCTestCase {
    func testABackupWrittenByTheKotlinLibraryRestoresHere() throws {
        guard let dir = ProcessInfo.processInfo.environment["NYCKEL_FROM_KOTLIN"] else {
            FileHandle.standardError.write(Data("SKIPPED: no backup from the Kotlin suite (CrossPlatformBackupTests; run `cargo xtask test kotlin swift`)\n".utf8))
            throw XCTSkip("no backup from the Kotlin suite")
        }
        let folder = URL(fileURLWithPath: dir)
        let manifest = try String(contentsOf: folder.appendingPathComponent("manifest.txt"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let code = try XCTUnwrap(manifest.first)
        let expected = Array(manifest.dropFirst())
        XCTAssertEqual(expected.count, 4, "the Kotlin side listed its accounts")

        let backup = try Data(contentsOf: folder.appendingPathComponent("nyckel-auto.json"))
        XCTAssertEqual(try inspectImportFile(data: backup).format, "nyckel")
        let vault = try TestSupport.newVault()
        // Typed as a user would: lower case, spaces between the groups.
        let typed = code.lowercased().replacingOccurrences(of: "-", with: " ")
        let summary = try vault.importFile(data: backup, format: "nyckel",
                                           password: RecoverySetupFlow.recoverySecret(typed),
                                           dryRun: false, keepGood: false)
        XCTAssertEqual([summary.imported, summary.failed], [UInt32(expected.count), 0])
        let restored = try vault.accounts()
            .map { "\(try vault.exportUri(id: $0.id, via: .uri))\t\($0.note)" }
            .sorted()
        XCTAssertEqual(restored, expected)
    }

    func testAnAutomaticBackupForTheKotlinSuiteToRestore() throws {
        guard let dir = ProcessInfo.processInfo.environment["NYCKEL_CROSS_PLATFORM_OUT"] else {
            FileHandle.standardError.write(Data("SKIPPED: NYCKEL_CROSS_PLATFORM_OUT not set (CrossPlatformBackupTests; run by cargo xtask test swift)\n".utf8))
            throw XCTSkip("NYCKEL_CROSS_PLATFORM_OUT not set")
        }
        let out = URL(fileURLWithPath: dir)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)

        let vault = try TestSupport.newVault()
        let code = try generateRecoveryCode()
        let accounts = try [
            "otpauth://totp/Skatteverket:karin?secret=\(TestSupport.randomSecret())&issuer=Skatteverket",
            "otpauth://hotp/Bank%C3%84:olle?secret=\(TestSupport.randomSecret())&algorithm=SHA256&digits=8&counter=42",
            "otpauth://steam/Steam:lisa?secret=\(TestSupport.randomSecret())",
            "otpauth://totp/GitHub:per?secret=\(TestSupport.randomSecret())&algorithm=SHA512&period=60",
        ].map { try vault.addUri(uri: $0).account }
        _ = try vault.updateAccount(id: accounts[2].id, changes: AccountChanges(issuer: nil, name: nil, note: "spelkonto – åäö från iOS"))
        _ = try vault.nextHotpCode(id: accounts[1].id) // the backup carries the counter as it is now

        final class State: AutoBackup.State {
            let sealedKey: Data?
            var lastFingerprint: String?
            init(_ key: Data) { sealedKey = key }
        }
        let state = State(try vault.autoBackupKey(password: code, kdf: kdfMinimum()))
        let backup = AutoBackup(port: AutoBackup.VaultPort(vault),
                                writer: AtomicBackupWriter(folder: FileBackupFolder(out), name: "nyckel-auto.json"), state: state)
        XCTAssertEqual(backup.sync(), .written(accounts: accounts.count))

        // What the Kotlin side must find: every account as the core's canonical URI, with its note.
        let expected = try vault.accounts().map { "\(try vault.exportUri(id: $0.id, via: .uri))\t\($0.note)" }.sorted()
        try ([code] + expected).joined(separator: "\n").appending("\n")
            .write(to: out.appendingPathComponent("manifest.txt"), atomically: true, encoding: .utf8)
    }
}
