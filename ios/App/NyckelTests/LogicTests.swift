import XCTest
import Nyckel
@testable import Nyckel_App

// The app target's module is Nyckel_App (PRODUCT_MODULE_NAME in project.yml), because the
// package's module is already `Nyckel`. Run on Linux by ios/App/test-logic.sh (the Logic/
// files as module Nyckel_App); in Xcode by `xcodebuild test -scheme Nyckel` (not run).
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
        XCTAssertEqual(Problem.of(NyckelError.PhoneSigninKeyUnavailable(reason: "gone")),
                       Problem(kind: .phoneSigninKeyUnavailable, detail: "gone", nextStep: .reenablePhoneSignin))
        XCTAssertFalse(Problem.of(NyckelError.PhoneSigninKeyUnavailable(reason: "gone")).endsRequest)
    }

    /// The screens render what the library decided: kind, request over, next step (these
    /// call into the native library, where the core answers).
    func testProblemsRenderTheLibrarysClassification() {
        XCTAssertTrue(Problem.of(NyckelError.RequestNotFound).endsRequest)
        XCTAssertTrue(Problem.of(NyckelError.DeviceRevoked).endsRequest)
        XCTAssertEqual(Problem.of(NyckelError.Busy).kind, .busy)
        XCTAssertFalse(Problem.of(NyckelError.Busy).endsRequest, "nothing was sent: still answerable")
        XCTAssertFalse(Problem.of(NyckelError.UserVerificationFailed).endsRequest)
        XCTAssertEqual(Problem.of(NyckelError.EnrollmentUnusable(reason: "key gone")).nextStep, .enrollAgain)
        XCTAssertEqual(Problem.of(NyckelError.WrongNumber).nextStep, .startSignInAgain)
        XCTAssertEqual(Problem.of(NyckelError.UserCancelled).nextStep, .nothing)
        XCTAssertEqual(Problem.of(NyckelError.NoVault(path: "/v")), Problem(kind: .noVault, detail: "/v", nextStep: .createVault))
        XCTAssertEqual(Problem.of(NyckelError.AlreadyExists(path: "/v-wal")).kind, .alreadyExists)
        XCTAssertTrue(Catalog.swedish[Problem(kind: .alreadyExists).message]?.contains("Inget ändrades eller skrevs över") ?? false)
        XCTAssertEqual(Problem.screenKind(for: .internal), .unexpected)
        XCTAssertEqual(Problem.of(NyckelError.Internal(reason: "bug")).nextStep, .reportBug)
    }

    func testManualEntryChecksNumbersNotRanges() {
        var form = ManualEntryForm()
        form.issuer = " ACME "
        form.secret = " jbsw y3dp ehpk 3pxp "
        XCTAssertTrue(form.isValid)
        let m = form.toManualAccount()
        XCTAssertEqual(m.issuer, "ACME")
        XCTAssertEqual(m.digits, 6)
        XCTAssertEqual(m.period, 30)
        XCTAssertNil(m.counter)

        // Ranges are the library's (InvalidInput(reason) says why): 1-10 digits, periods up to
        // 86400 s are accounts the form must not refuse, and out-of-range values go to it too.
        for digits in ["1", "4", "10", "0", "11"] {
            var f = form; f.digits = digits
            XCTAssertTrue(f.isValid, digits)
            XCTAssertEqual(f.toManualAccount().digits, UInt32(digits))
        }
        for period in ["1", "3601", "86400", "0", "86401"] {
            var f = form; f.period = period
            XCTAssertEqual(f.toManualAccount().period, UInt32(period))
        }

        // Not a number (or too large for the record, never wrapped around).
        for bad in ["six", "", "-6", "+6", "3 0", "4294967302"] {
            var f = form; f.digits = bad
            XCTAssertEqual(f.problems(), [.digits], bad)
        }
        var hotp = form
        hotp.kind = .hotp
        hotp.period = "garbage"
        hotp.counter = "18446744073709551615"
        XCTAssertEqual(hotp.toManualAccount().counter, UInt64.max)
        XCTAssertNil(hotp.toManualAccount().period)
        hotp.counter = "18446744073709551616"
        XCTAssertEqual(hotp.problems(), [.counter])

        var steam = form
        steam.kind = .steam
        steam.digits = ""
        XCTAssertNil(steam.toManualAccount().digits)
        XCTAssertNil(steam.toManualAccount().algorithm)

        var empty = ManualEntryForm()
        empty.secret = " "
        XCTAssertEqual(empty.problems(), [.secret, .name])
    }

    func testPushTokenIsSentUntilAccepted() {
        XCTAssertNil(PushTokenSync.needsSending(current: nil, lastSent: nil), "no token yet")
        XCTAssertNil(PushTokenSync.needsSending(current: "", lastSent: nil), "AppModel stores \"\" for none")
        XCTAssertNil(PushTokenSync.needsSending(current: "a", lastSent: "a"), "already accepted")
        XCTAssertEqual(PushTokenSync.needsSending(current: "a", lastSent: nil), "a")
        XCTAssertEqual(PushTokenSync.needsSending(current: "b", lastSent: "a"), "b", "rotated while locked")
    }

    func testHandoverKeepsWhatArrivedBeforeTheModel() {
        var h = Handover()
        XCTAssertTrue(h.take() == (nil, nil))
        h.requestId = "r1"
        h.token = "t1"
        h.requestId = "r2" // a later tap wins
        let (id, token) = h.take()
        XCTAssertEqual(id, "r2")
        XCTAssertEqual(token, "t1")
        XCTAssertEqual(h, Handover(), "handed over once")
    }
}
