import XCTest
import Nyckel
@testable import Nyckel_App

// The module name of the app target is "Nyckel" in project.yml, which clashes with the
// package's `Nyckel` module; XcodeGen's PRODUCT_MODULE_NAME for the app is set to
// Nyckel_App (see docs/apps.md). Not run on the machine this was written on.
final class LogicTests: XCTestCase {
    func testScannedCodeRouting() {
        XCTAssertEqual(ScannedCode.classify("  OTPAUTH://totp/x?secret=AAAA "), .otp("OTPAUTH://totp/x?secret=AAAA"))
        XCTAssertEqual(ScannedCode.classify("nyckel-enroll://v1?x"), .enrollment("nyckel-enroll://v1?x"))
        XCTAssertEqual(ScannedCode.classify("otpauth-migration://offline?data=x"), .googleMigration)
        XCTAssertEqual(ScannedCode.classify("https://example.se"), .notAnAccount)
        XCTAssertFalse(ScannedCode.otp("otpauth://totp/x?secret=SECRET").description.contains("SECRET"))
    }

    func testNumberEntry() {
        XCTAssertEqual(NumberEntry.sanitize("4a27"), "42")
        XCTAssertEqual(NumberEntry.parse("42"), 42)
        XCTAssertNil(NumberEntry.parse("09"))
        XCTAssertNil(NumberEntry.parse("4"))
    }

    func testCountdownAndAutoLock() {
        let c = Countdown(secondsLeftAtFetch: 90, fetchedAt: 10)
        XCTAssertEqual(c.secondsLeft(now: 11.5), 89)
        XCTAssertEqual(Countdown.format(65), "1:05")
        var p = AutoLockPolicy(timeout: 30)
        p.onBackground(now: 100)
        XCTAssertFalse(p.shouldLock(now: 129))
        XCTAssertTrue(p.onForeground(now: 130))
        XCTAssertFalse(p.onForeground(now: 500))
    }

    func testPushPayload() {
        XCTAssertEqual(PushPayload.requestId(["nyckel": 1, "requestId": "abc_-1"]), "abc_-1")
        XCTAssertNil(PushPayload.requestId(["requestId": "abc"]))
        XCTAssertNil(PushPayload.requestId(["nyckel": 1, "requestId": "a/b"]))
    }

    func testCodeRows() {
        func account(_ id: Int64, _ kind: OtpKind) -> AccountInfo {
            AccountInfo(id: id, kind: kind, issuer: "I\(id)", name: "n", algorithm: .sha1, digits: 6, period: 30, counter: 0,
                        note: "", position: id, createdAt: 0, updatedAt: 0)
        }
        let t = account(1, .totp), h = account(2, .hotp)
        let (rows, stale) = CodeRows.build(accounts: [t, h], codes: [AccountCode(account: t, code: CodeInfo(code: "012345", secondsLeft: 15, period: 30))])
        XCTAssertFalse(stale)
        XCTAssertEqual(rows.map(\.id), [1, 2])
        XCTAssertEqual(rows[0].code, "012 345")
        XCTAssertNil(rows[1].code)
        XCTAssertTrue(CodeRows.build(accounts: [t], codes: []).1)
    }

    func testProblems() {
        XCTAssertEqual(Problem.of(NyckelError.Duplicate(existingId: 3)).kind, .alreadyAdded)
        XCTAssertTrue(Problem.of(NyckelError.UserCancelled).isSilent)
        XCTAssertTrue(Problem.of(NyckelError.WrongNumber).endsRequest)
        XCTAssertFalse(Problem.of(NyckelError.ProviderUnreachable(reason: "x")).endsRequest)
        // A lost phone sign-in key says "turn phone sign-in on again", not "the phone's key".
        XCTAssertEqual(Problem.of(NyckelError.PhoneSigninKeyUnavailable(reason: "gone")), Problem(kind: .phoneSigninKeyUnavailable, detail: "gone"))
        XCTAssertFalse(Problem.of(NyckelError.PhoneSigninKeyUnavailable(reason: "gone")).endsRequest)
    }
}
