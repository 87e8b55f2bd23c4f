import Foundation
import XCTest
@testable import Nyckel

final class RecoverySetupFlowTests: XCTestCase {
    func testAGeneratedCodeIsTypedBackCheckedByGroupAndThenOpensTheVaultAndABackup() throws {
        let vault = try TestSupport.newVault()
        _ = try vault.addUri(uri: "otpauth://totp/ACME:anna?secret=JBSWY3DPEHPK3PXP&issuer=ACME")
        let flow = RecoverySetupFlow { try vault.setPassphrase(passphrase: $0, kdf: kdfMinimum()) }
        flow.chooseCode()
        guard case let .showCode(code) = flow.step else { return XCTFail("\(flow.step)") }
        XCTAssertFalse(flow.step.description.contains(String(code.prefix(5))))
        flow.codeWrittenDown()
        XCTAssertEqual(flow.step, .confirmCode)

        var chars = Array(code)
        chars[13] = chars[13] == "A" ? "B" : "A"
        flow.confirmCode(String(chars))
        XCTAssertEqual(flow.error?.kind(), .invalidInput)
        XCTAssertTrue((flow.error?.detail() ?? "").contains("group 3"), flow.error?.detail() ?? "")
        XCTAssertEqual(flow.step, .confirmCode)
        flow.confirmCode(try generateRecoveryCode()) // a valid code, but not the one shown
        XCTAssertEqual(flow.local, .notTheCodeShown)
        flow.confirmCode(code.lowercased().replacingOccurrences(of: "-", with: " "))
        XCTAssertEqual(flow.step, .done(byCode: true))
        XCTAssertNil(flow.error)

        // The vault opens with the code as typed on the lock screen.
        try vault.lock()
        try vault.unlockWithPassphrase(passphrase: RecoverySetupFlow.recoverySecret(code.lowercased().replacingOccurrences(of: "-", with: "")))
        // A backup sealed with the code restores in a new vault with the code typed loosely.
        let backup = try vault.export(format: .nyckel, password: code, kdf: kdfMinimum()).bytes()
        let fresh = try TestSupport.newVault()
        let typed = RecoverySetupFlow.recoverySecret(code.replacingOccurrences(of: "-", with: "  ").lowercased())
        XCTAssertEqual(try fresh.importFile(data: backup, format: "nyckel", password: typed, dryRun: false, keepGood: false).imported, 1)
    }

    func testAPassphraseIsTypedTwiceAndLongEnoughSkippingAndGoingBack() {
        var set: [String] = []
        let flow = RecoverySetupFlow { set.append($0) }
        flow.choosePassphrase()
        flow.submitPassphrase("short", confirm: "short")
        XCTAssertEqual(flow.local, .tooShort)
        flow.submitPassphrase("long enough here", confirm: "long enough HERE")
        XCTAssertEqual(flow.local, .mismatch)
        XCTAssertTrue(set.isEmpty)
        flow.submitPassphrase("long enough here", confirm: "long enough here")
        XCTAssertEqual(flow.step, .done(byCode: false))
        XCTAssertEqual(set, ["long enough here"])
        XCTAssertEqual(RecoverySetupFlow.recoverySecret("long enough here"), "long enough here")

        let other = RecoverySetupFlow { set.append($0) }
        other.chooseCode()
        other.back()
        XCTAssertEqual(other.step, .choose)
        other.skip()
        XCTAssertEqual(other.step, .skipped)
        other.chooseCode()
        XCTAssertEqual(other.step, .skipped)
    }

    func testAFailureToSetThePassphraseKeepsTheStepAndSaysWhy() {
        let flow = RecoverySetupFlow { _ in throw NyckelError.Locked }
        flow.choosePassphrase()
        flow.submitPassphrase("long enough here", confirm: "long enough here")
        XCTAssertEqual(flow.step, .passphrase)
        XCTAssertEqual(flow.error?.kind(), .locked)
    }
}
