import Foundation
import XCTest
@testable import Nyckel

/// A scripted library: records the calls and answers what the test set (the real library is in ApprovalsTests).
private final class FakeTransferPort: PhoneTransferPort {
    var calls: [String] = []
    var exportError: NyckelError?
    var importError: NyckelError?
    var notAPackage = false
    var seenPackage: Data?
    // A real key's shape, so the library's own parsing (transferKeyFromScan) accepts it.
    let qr = "nyckel-transfer://v1?key=ABCDEFGHIJKLMNOPQRST"
    let keyText = "ABCDE-FGHIJ-KLMNO-PQRST-123456"

    func exportTransfer() throws -> PhoneTransferExport {
        calls.append("export")
        if let exportError { throw exportError }
        let ok = TransferOfferInfo(enrollmentId: 1, label: "anna at https://idp.example.se", phoneSignin: true, expiresAt: 1_800_000_000, failure: nil)
        let refused = TransferOfferInfo(enrollmentId: 2, label: "bo at https://old.example.se", phoneSignin: false, expiresAt: nil,
                                        failure: FetchFailure(enrollmentId: 2, kind: .deviceRevoked, nextStep: .enrollAgain, reason: "this phone was removed"))
        let leftOut = [
            LeftOut(label: "Bank (anna)", reason: "its one-time-code secret is managed by the organisation, which did not send it for the new phone: re-enroll at Bank",
                    cause: .managedOtpNotSent(issuer: "Bank")),
            LeftOut(label: "bo at https://old.example.se", reason: "push approvals use keys bound to this device that are never exported: enroll the new phone again",
                    cause: .deviceBound(phoneSignin: false)),
        ]
        return PhoneTransferExport(package: Data([7, 7, 7]), qrPayload: qr, code: "123456", keyText: keyText, accountIds: [10, 11],
                                   enrollments: [ok, refused], leftOut: leftOut)
    }

    func importTransfer(package: Data, keyText: String, deviceName: String) throws -> PhoneTransferImport {
        calls.append("import(\(keyText), \(deviceName))")
        seenPackage = package
        if let importError { throw importError }
        return PhoneTransferImport(enrollments: [
            TransferMoveInfo(label: "anna at A", enrollmentId: 5, oldDeviceRevoked: true, phoneSignin: true, failure: nil,
                             managedOtp: ManagedOtpInfo(accountId: 12, label: "A (anna)", added: true)),
            TransferMoveInfo(label: "bo at B", enrollmentId: 6, oldDeviceRevoked: true, phoneSignin: false,
                             failure: TransferFailure(kind: .userCancelled, nextStep: .tryAgain, reason: "cancelled")),
            TransferMoveInfo(label: "cy at C", enrollmentId: 7, oldDeviceRevoked: false, phoneSignin: nil,
                             failure: TransferFailure(kind: .providerUnreachable, nextStep: .tryAgain, reason: "offline")),
            TransferMoveInfo(label: "di at D", enrollmentId: nil, oldDeviceRevoked: false, phoneSignin: nil,
                             failure: TransferFailure(kind: .invalidEnrollmentCode, nextStep: .newEnrollmentCode, reason: "used")),
        ], accountsImported: 2, accountsDuplicate: 1, accountsFailed: 0)
    }

    func inspectPackage(_ package: Data) throws {
        calls.append("inspect")
        if notAPackage { throw NyckelError.InvalidInput(reason: "unrecognised file format") }
    }
}

final class PhoneTransferFlowTests: XCTestCase {
    private let today = Date(timeIntervalSince1970: 1_796_472_000) // 2026-12-05 UTC

    private func name(_ step: PhoneTransferImportFlow.Step) -> String {
        switch step {
        case .choosePackage: return "choosePackage"
        case .scanning: return "scanning"
        case .enterCode: return "enterCode"
        case .typingKey: return "typingKey"
        case .importing: return "importing"
        case .outcomes: return "outcomes"
        }
    }

    func testARefusedEnrollmentThatLeftOutDoesNotNameStillStaysBehindWithItsRefusal() {
        let failure = FetchFailure(enrollmentId: 2, kind: .providerUnreachable, nextStep: .tryAgain, reason: "the provider did not answer")
        let refused = TransferOfferInfo(enrollmentId: 2, label: "bo at B", phoneSignin: false, expiresAt: nil, failure: failure)
        let out = PhoneTransferExport(package: Data([1]), qrPayload: "q", code: "123456", keyText: "k", accountIds: [],
                                      enrollments: [refused], leftOut: [])
        XCTAssertEqual(PhoneTransferExportFlow.leftBehind(out), [.init(label: "bo at B", reason: "the provider did not answer", cause: nil, failure: failure)])
        let nothing = PhoneTransferExport(package: Data([1]), qrPayload: "q", code: "123456", keyText: "k", accountIds: [1],
                                          enrollments: [], leftOut: [])
        XCTAssertEqual(PhoneTransferExportFlow.leftBehind(nothing), [])
    }

    func testTheOldPhoneGoesIdleExportingShowingTheKeyDoneAndForgetsThePackage() {
        let port = FakeTransferPort()
        var seen: [String] = []
        let flow = PhoneTransferExportFlow { step in
            switch step {
            case .exporting: seen.append("exporting")
            case .showingKey: seen.append("showingKey")
            default: seen.append("other")
            }
        }
        flow.start(port, today: today)
        XCTAssertEqual(seen, ["exporting", "showingKey"])
        guard case .showingKey(let shown) = flow.step else { return XCTFail("\(flow.step)") }
        XCTAssertEqual(shown.code, "123456")
        XCTAssertEqual(shown.qrPayload, port.qr)
        XCTAssertEqual(shown.fileName, "nyckel-flytt-2026-12-05.json")
        XCTAssertEqual(shown.accounts, 2)
        XCTAssertEqual(shown.moving.map(\.enrollmentId), [1])
        XCTAssertEqual(shown.notMoving.map { $0.failure?.kind }, [.deviceRevoked])
        // What stays behind, in the library's order: the managed account to re-enroll, then the
        // refused enrollment with its provider's refusal.
        XCTAssertEqual(shown.leftBehind, [
            .init(label: "Bank (anna)",
                  reason: "its one-time-code secret is managed by the organisation, which did not send it for the new phone: re-enroll at Bank",
                  cause: .managedOtpNotSent(issuer: "Bank"), failure: nil),
            .init(label: "bo at https://old.example.se",
                  reason: "push approvals use keys bound to this device that are never exported: enroll the new phone again",
                  cause: .deviceBound(phoneSignin: false), failure: shown.notMoving.first?.failure),
        ])
        XCTAssertFalse(shown.description.contains("123456") || shown.description.contains("ABCDE"), "no key in the description")
        XCTAssertEqual(flow.packageData, Data([7, 7, 7]))

        flow.start(port, today: today) // a second tap
        XCTAssertEqual(port.calls, ["export"])
        flow.packageNotSaved(cancelled: false)
        XCTAssertTrue(flow.saveFailed)
        flow.packageSaved()
        XCTAssertFalse(flow.saveFailed)
        guard case .showingKey(let saved) = flow.step else { return XCTFail("\(flow.step)") }
        XCTAssertTrue(saved.saved)
        flow.finish()
        guard case .done(accounts: 2, enrollments: 1) = flow.step else { return XCTFail("\(flow.step)") }
        XCTAssertNil(flow.packageData, "the package is forgotten")
    }

    func testARefusedExportIsShownAndCanBeTriedAgain() {
        let port = FakeTransferPort()
        port.exportError = .InvalidInput(reason: "there is nothing to transfer")
        let flow = PhoneTransferExportFlow()
        flow.start(port, today: today)
        guard case .failed(let e) = flow.step else { return XCTFail("\(flow.step)") }
        XCTAssertEqual(e.kind(), .invalidInput)
        port.exportError = nil
        flow.start(port, today: today)
        guard case .showingKey = flow.step else { return XCTFail("\(flow.step)") }
        flow.cancel()
        guard case .idle = flow.step else { return XCTFail("\(flow.step)") }
        XCTAssertNil(flow.packageData)
    }

    func testTheNewPhoneChoosesScansTypesTheCodeImportsAndClassifiesEachEnrollment() {
        let port = FakeTransferPort()
        var seen: [String] = []
        let flow = PhoneTransferImportFlow(deviceName: "Nya telefonen") { seen.append(self.name($0)) }
        flow.choosePackage(port, Data([1, 2, 3]))
        XCTAssertEqual(flow.step, .scanning)
        flow.scanned("otpauth://totp/x?secret=AAAA")
        XCTAssertEqual(flow.local, .notATransferCode)
        XCTAssertEqual(flow.step, .scanning)
        flow.scanned(" \(port.qr) ")
        XCTAssertNil(flow.local)
        XCTAssertEqual(flow.step, .enterCode)
        flow.scanned(port.qr) // a late frame: ignored
        flow.submitCode(port, "12345")
        XCTAssertEqual(flow.error?.kind(), .invalidInput, "not 6 digits: the library says so")
        XCTAssertEqual(flow.step, .enterCode)
        XCTAssertFalse(port.calls.contains { $0.hasPrefix("import") })
        flow.submitCode(port, "123 456")
        XCTAssertEqual(port.calls.last, "import(\(port.keyText), Nya telefonen)")
        XCTAssertEqual(port.seenPackage, Data([1, 2, 3]))
        XCTAssertEqual(seen, ["scanning", "scanning", "enterCode", "enterCode", "importing", "outcomes"])
        guard case .outcomes(let out) = flow.step else { return XCTFail("\(flow.step)") }
        XCTAssertEqual(out.rows.map(\.status), [.moved, .phoneSigninOff, .notConfirmed, .notMoved])
        XCTAssertEqual(out.rows.last?.failure?.nextStep, .newEnrollmentCode)
        XCTAssertEqual(out.rows.first?.managedOtp, ManagedOtpInfo(accountId: 12, label: "A (anna)", added: true), "the re-delivered managed account is shown")
        XCTAssertEqual(out.rows.dropFirst().map { $0.managedOtp }, [nil, nil, nil])
        XCTAssertEqual([out.accountsImported, out.accountsDuplicate, out.accountsFailed], [2, 1, 0])
        XCTAssertFalse(out.allMoved)
        flow.submitCode(port, "123456") // a second tap after the import
        XCTAssertEqual(port.calls.filter { $0.hasPrefix("import") }.count, 1)
    }

    func testAWrongCodeGoesBackToTheCodeAPlainBackupBackToChoosingAFile() {
        let port = FakeTransferPort()
        port.importError = .WrongPassphrase
        let flow = PhoneTransferImportFlow(deviceName: "Nya")
        flow.choosePackage(port, Data([1]))
        flow.scanned(port.qr)
        flow.submitCode(port, "654321")
        XCTAssertEqual(flow.step, .enterCode)
        XCTAssertEqual(flow.error?.kind(), .wrongPassphrase)
        port.importError = .InvalidInput(reason: "this file is a Nyckel backup, not a transfer package")
        flow.submitCode(port, "123456")
        XCTAssertEqual(flow.step, .choosePackage)
        XCTAssertEqual(flow.error?.kind(), .invalidInput)
        flow.submitCode(port, "123456") // the step is gone
        XCTAssertEqual(port.calls.filter { $0.hasPrefix("import") }.count, 2)
    }

    func testAFileThatIsNoNyckelFileIsRefusedBeforeAnyKeyAndTheKeyCanBeTypedWhole() {
        let port = FakeTransferPort()
        port.notAPackage = true
        let flow = PhoneTransferImportFlow(deviceName: "Nya")
        flow.choosePackage(port, Data([9, 9]))
        XCTAssertEqual(flow.step, .choosePackage)
        XCTAssertEqual(flow.error?.kind(), .invalidInput)
        port.notAPackage = false
        flow.choosePackage(port, Data([1]))
        flow.typeKeyInstead()
        XCTAssertEqual(flow.step, .typingKey)
        port.importError = .InvalidInput(reason: "that is not a transfer key")
        flow.submitKeyText(port, "nonsense")
        XCTAssertEqual(flow.step, .typingKey, "a mistyped key stays on the key")
        port.importError = nil
        flow.submitKeyText(port, port.keyText.lowercased())
        guard case .outcomes = flow.step else { return XCTFail("\(flow.step)") }
        flow.reset()
        XCTAssertEqual(flow.step, .choosePackage)
        XCTAssertNil(flow.error)
    }

    func testThePackageIsSharedAsAnOwnerOnlyFileThatFinishAndCancelDelete() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("nyckel-share-\(UUID().uuidString)/shared")
        let flow = PhoneTransferExportFlow()
        XCTAssertNil(try flow.shareFile(in: dir), "nothing to share before the key is shown")
        flow.start(FakeTransferPort(), today: today)
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let stale = dir.appendingPathComponent("nyckel-flytt-2026-12-01.json")
        try Data("an earlier, killed run".utf8).write(to: stale)
        let other = dir.appendingPathComponent("photo.jpg")
        try Data("not ours".utf8).write(to: other)

        let file = try XCTUnwrap(try flow.shareFile(in: dir))
        XCTAssertEqual(file.lastPathComponent, "nyckel-flytt-2026-12-05.json")
        XCTAssertEqual(try Data(contentsOf: file), Data([7, 7, 7]))
        let mode = try fm.attributesOfItem(atPath: file.path)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600)
        XCTAssertFalse(fm.fileExists(atPath: stale.path), "an earlier shared package is deleted")
        XCTAssertTrue(fm.fileExists(atPath: other.path), "nothing else is touched")
        XCTAssertEqual(try flow.shareFile(in: dir), file, "sharing again writes it again")

        flow.finish()
        XCTAssertFalse(fm.fileExists(atPath: file.path), "finish deletes the shared package")
        XCTAssertNil(try flow.shareFile(in: dir))

        let again = PhoneTransferExportFlow()
        again.start(FakeTransferPort(), today: today)
        let second = try XCTUnwrap(try again.shareFile(in: dir))
        again.cancel()
        XCTAssertFalse(fm.fileExists(atPath: second.path), "cancel deletes it too")
        PhoneTransferExportFlow.clearShared(in: dir)
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: dir.path), ["photo.jpg"])
    }
}
