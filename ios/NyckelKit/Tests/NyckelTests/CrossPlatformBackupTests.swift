import Foundation
import XCTest
@testable import Nyckel

/// The iOS half of "a backup restores on either platform" (docs/recovery.md §5): restores the
/// automatic backup the Kotlin library wrote in this run's Kotlin suite
/// (`CrossPlatformBackupTest.kt`, through AutoBackup and AtomicBackupWriter on the JVM) with
/// its recovery code typed as a user would, and finds every account and note it listed.
/// `cargo xtask test` passes NYCKEL_FROM_KOTLIN when the Kotlin suite left the file; without
/// it the test is skipped, visibly.
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
}
