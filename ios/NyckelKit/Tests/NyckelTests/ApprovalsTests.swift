import Foundation
import XCTest
@testable import Nyckel

/// Push approvals and phone sign-in through the FFI, against a real `nyckel-idp serve` on
/// loopback: device keys from [SwiftDeviceKeyStore] (libcrypto here, CryptoKit on Apple) and
/// HTTP from [URLSessionHttpClient], both Swift implementations of the foreign traits. The
/// number is learned from `nyckel-idp signin start`, as the user reads it off the sign-in page.
final class ApprovalsTests: XCTestCase {
    private static var server: IdpServer?
    private static var startError: Error?
    private static let userCount = Locked(0)

    override class func setUp() {
        super.setUp()
        do { server = try IdpServer.start() } catch { startError = error }
    }

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    private func idp() throws -> IdpServer {
        if let error = Self.startError { throw error }
        return Self.server!
    }

    /// A fresh user per test: the provider rate-limits and blocks (after a report) per user.
    private func newUser() -> String {
        Self.userCount.value += 1
        return "user\(Self.userCount.value)@example.se"
    }

    struct Phone {
        let vault: NyckelVault
        let keys: SwiftDeviceKeyStore
        let http: URLSessionHttpClient
        let approvals: NyckelApprovals

        init() throws {
            vault = try TestSupport.newVault()
            keys = SwiftDeviceKeyStore()
            http = URLSessionHttpClient()
            approvals = NyckelApprovals(vault: vault, deviceKeys: keys, http: http)
        }

        func signIns() throws -> [ActivityEvent] {
            try vault.activity(limit: 100).map(\.event).filter { if case .signIn = $0 { return true } else { return false } }
        }
    }

    private func enroll(_ phone: Phone, _ user: String, totp: Bool = false) throws -> EnrollmentInfo {
        try phone.approvals.enroll(uri: try idp().addUser(user, totp: totp), deviceName: "Annas iPhone", pushToken: "apns-1")
    }

    private func wrong(_ n: UInt8) -> UInt8 { n == 99 ? 10 : n + 1 }

    private func assertNyckelError(_ expected: NyckelError, file: StaticString = #filePath, line: UInt = #line,
                                   _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) { XCTAssertEqual($0 as? NyckelError, expected, file: file, line: line) }
    }

    func testApproveWithTheNumberFromTheSignInPage() throws {
        let idp = try idp()
        let user = newUser()
        let phone = try Phone()
        let enrolled = try enroll(phone, user, totp: true)
        XCTAssertEqual(enrolled.accountName, user)
        XCTAssertEqual(enrolled.providerUrl, idp.origin)
        XCTAssertEqual(enrolled.deviceName, "Annas iPhone")
        XCTAssertFalse(enrolled.phoneSigninEnabled)
        XCTAssertEqual(enrolled.otpAccountId, try phone.vault.accounts().first?.id, "the code carried a TOTP secret")
        XCTAssertEqual(try phone.approvals.enrollments(), [enrolled])

        let signIn = try idp.startSignIn(user)
        let pending = try phone.approvals.pendingRequests()
        XCTAssertEqual(pending.failures, [])
        XCTAssertEqual(pending.requests.count, 1)
        let r = pending.requests[0]
        XCTAssertEqual([r.requestId, r.accountName, r.app, r.ip, r.location], [signIn.id, user, "Webbmejl", "203.0.113.7", "Malmö, SE"])
        XCTAssertEqual(r.enrollmentId, enrolled.id)
        XCTAssertFalse(r.passwordless)
        XCTAssertTrue((100...120).contains(r.secondsLeft), "\(r.secondsLeft)")
        // The phone never learns the number, and the challenge stays inside Nyckel.
        let fields = Mirror(reflecting: r).children.compactMap { $0.label?.lowercased() }
        XCTAssertFalse(fields.contains { $0.contains("number") || $0.contains("nonce") || $0.contains("challenge") }, "\(fields)")

        XCTAssertEqual(try phone.approvals.approve(requestId: signIn.id, number: signIn.number), .approved)
        XCTAssertEqual(try idp.status(signIn.id), "approved")
        let logged = try phone.signIns()
        XCTAssertEqual(logged.count, 1)
        guard case let .signIn(enrollmentId, accountName, app, ip, location, decision, result, passwordless) = logged[0] else {
            return XCTFail("\(logged)")
        }
        XCTAssertEqual([accountName, app, ip, location, decision, result], [user, "Webbmejl", "203.0.113.7", "Malmö, SE", "approve", "approved"])
        XCTAssertEqual(enrollmentId, enrolled.id)
        XCTAssertFalse(passwordless)
        // Answered requests leave the cache: the app is told to refresh.
        assertNyckelError(.RequestNotFound) { _ = try phone.approvals.approve(requestId: signIn.id, number: signIn.number) }
    }

    func testWrongNumberKillsTheRequest() throws {
        let idp = try idp()
        let user = newUser()
        let phone = try Phone()
        _ = try enroll(phone, user)
        let signIn = try idp.startSignIn(user)
        _ = try phone.approvals.pendingRequests()
        let sent = phone.http.requests
        assertNyckelError(.InvalidNumber) { _ = try phone.approvals.approve(requestId: signIn.id, number: 9) }
        assertNyckelError(.InvalidNumber) { _ = try phone.approvals.approve(requestId: signIn.id, number: 100) }
        XCTAssertEqual(phone.http.requests, sent, "nothing is sent for a number that is not two digits")
        assertNyckelError(.WrongNumber) { _ = try phone.approvals.approve(requestId: signIn.id, number: self.wrong(signIn.number)) }
        XCTAssertEqual(try idp.status(signIn.id), "wrong_number")
        XCTAssertEqual(try phone.approvals.pendingRequests().requests, [], "the request is dead")
        guard case let .signIn(_, _, _, _, _, _, result, _) = try phone.signIns()[0] else { return XCTFail() }
        XCTAssertEqual(result, "wrong_number")
    }

    func testDenyAndReport() throws {
        let idp = try idp()
        let user = newUser()
        let phone = try Phone()
        _ = try enroll(phone, user)
        let first = try idp.startSignIn(user, app: "Intranät", location: "Lund, SE")
        _ = try phone.approvals.pendingRequests()
        XCTAssertEqual(try phone.approvals.deny(requestId: first.id), .denied)
        XCTAssertEqual(try idp.status(first.id), "denied")
        let second = try idp.startSignIn(user, app: "VPN", location: "Okänd plats")
        _ = try phone.approvals.pendingRequests()
        try idp.cli(["--helpdesk", "IT-support 040-123 45 67", "signin", "status", second.id]) // the administrator's contact
        let before = Int64(Date().timeIntervalSince1970)
        let reported = try phone.approvals.report(requestId: second.id)
        XCTAssertEqual(try idp.status(second.id), "reported")
        // Until when (the provider's default hour, on the phone's clock) and whom to contact.
        let until = try XCTUnwrap(reported.blockedUntil, "the provider says until when")
        XCTAssertTrue((before + 3600...before + 3605).contains(until), "\(until) vs \(before)")
        XCTAssertEqual(reported.contact, "IT-support 040-123 45 67")
        let summary = try phone.signIns().map { event -> String in
            guard case let .signIn(_, _, app, _, location, decision, result, _) = event else { return "?" }
            return "\(decision)/\(result)/\(app)/\(location)"
        }
        XCTAssertEqual(summary, ["report/reported/VPN/Okänd plats", "deny/denied/Intranät/Lund, SE"])
    }

    func testPhoneTransferMovesTheEnrollmentWithNewKeysAndRevokesTheOldPhone() throws {
        let idp = try idp()
        let user = newUser()
        let old = try Phone()
        let id = try enroll(old, user).id
        try old.approvals.enablePhoneSignin(enrollmentId: id)
        let out = try old.approvals.exportPhoneTransfer()
        XCTAssertTrue(out.qrPayload.hasPrefix("nyckel-transfer://v1?key="), out.qrPayload)
        XCTAssertTrue(out.keyText.hasSuffix(out.code) && out.code.count == 6)
        XCTAssertEqual(out.enrollments.count, 1)
        XCTAssertTrue(out.enrollments[0].phoneSignin && out.enrollments[0].failure == nil)

        let new = try Phone()
        XCTAssertThrowsError(try new.approvals.importPhoneTransfer(package: out.package, keyText: "not a key", deviceName: "Nya")) {
            XCTAssertEqual(($0 as? NyckelError)?.kind(), .invalidInput)
        }
        XCTAssertTrue(try new.approvals.enrollments().isEmpty, "nothing changed")
        let moved = try new.approvals.importPhoneTransfer(package: out.package, keyText: out.keyText, deviceName: "Nya").enrollments
        XCTAssertEqual(moved.count, 1)
        XCTAssertNil(moved[0].failure)
        XCTAssertTrue(moved[0].oldDeviceRevoked)
        XCTAssertEqual(moved[0].phoneSignin, true)
        // New keys on the new phone; the provider has the new device and has revoked the old one.
        XCTAssertTrue(new.keys.aliases.isDisjoint(with: old.keys.aliases), "keys are never copied")
        XCTAssertTrue(try new.approvals.enrollments()[0].phoneSigninEnabled)
        let devices = try idp.devices(user)
        XCTAssertTrue(devices.contains { $0["name"] as? String == "Nya" }, "\(devices)")
        XCTAssertEqual(try old.approvals.pendingRequests().failures.first?.kind, .deviceRevoked)

        // The new phone approves.
        let signIn = try idp.startSignIn(user)
        _ = try new.approvals.pendingRequests()
        XCTAssertEqual(try new.approvals.approve(requestId: signIn.id, number: signIn.number), .approved)

        // The package is good once: a third phone's enrollment is refused, typed, and stores nothing.
        let third = try Phone()
        let again = try third.approvals.importPhoneTransfer(package: out.package, keyText: out.keyText, deviceName: "Tredje").enrollments
        XCTAssertEqual(again.first?.failure?.kind, .invalidEnrollmentCode)
        XCTAssertTrue(try third.approvals.enrollments().isEmpty)
    }

    func testPhoneTransferFlowsScanTheQrCodeTypeTheCodeAndReportEachEnrollment() throws {
        let user = newUser()
        let old = try Phone()
        _ = try enroll(old, user, totp: true)
        let out = PhoneTransferExportFlow()
        out.start(ApprovalsTransferPort(old.approvals), today: Date())
        guard case .showingKey(let shown) = out.step else { return XCTFail("\(out.step)") }
        XCTAssertEqual(shown.moving.count, 1)
        // The provider's one-time-code secret is managed: never in the package, re-delivered.
        XCTAssertEqual(shown.accounts, 0)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nyckel-flytt-\(UUID().uuidString).json")
        try XCTUnwrap(out.packageData).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        out.packageSaved()
        out.finish()
        guard case .done(accounts: 0, enrollments: 1) = out.step else { return XCTFail("\(out.step)") }

        let new = try Phone()
        let port = ApprovalsTransferPort(new.approvals)
        let flow = PhoneTransferImportFlow(deviceName: "Nya")
        flow.choosePackage(port, try Data(contentsOf: file))
        flow.scanned(shown.qrPayload)
        let wrongCode = String(shown.code.map { $0 == "9" ? "0" : Character(String(Int(String($0))! + 1)) })
        flow.submitCode(port, wrongCode)
        XCTAssertEqual(flow.step, .enterCode)
        XCTAssertEqual(flow.error?.kind(), .wrongPassphrase)
        XCTAssertTrue(try new.approvals.enrollments().isEmpty, "a wrong code changes nothing")
        flow.submitCode(port, shown.code)
        guard case .outcomes(let outcome) = flow.step else { return XCTFail("\(flow.step) \(String(describing: flow.error))") }
        XCTAssertEqual(outcome.rows.map(\.status), [.moved])
        XCTAssertEqual(outcome.accountsImported, 0)
        XCTAssertEqual(outcome.rows.first?.managedOtp?.added, true, "the provider re-delivered it")
        XCTAssertEqual(try new.vault.accounts().count, 1)
        XCTAssertTrue(outcome.allMoved)
        XCTAssertEqual(try old.approvals.pendingRequests().failures.first?.kind, .deviceRevoked)

        // The same package on a third phone: the code was used, reported per enrollment.
        let third = try Phone()
        let again = PhoneTransferImportFlow(deviceName: "Tredje")
        again.choosePackage(ApprovalsTransferPort(third.approvals), try Data(contentsOf: file))
        again.typeKeyInstead()
        again.submitKeyText(ApprovalsTransferPort(third.approvals), shown.keyText)
        guard case .outcomes(let refused) = again.step else { return XCTFail("\(again.step)") }
        XCTAssertEqual(refused.rows.map(\.status), [.notMoved])
        XCTAssertEqual(refused.rows.first?.failure?.kind, .invalidEnrollmentCode)
    }

    func testAnAttestingStoreAttestsThePhoneSigninKeyForTheProvidersChallenge() throws {
        let idp = try idp()
        let user = newUser()
        let phone = try Phone()
        let id = try enroll(phone, user).id
        // As the Secure Enclave store does: App Attest of the hash naming challenge and key.
        phone.keys.attest = { challenge, publicKey in [appAttestClientDataHash(challenge: challenge, publicKey: publicKey)] }
        try phone.approvals.enablePhoneSignin(enrollmentId: id)
        XCTAssertEqual(phone.keys.attestedChallenges.map(\.count), [40], "the provider's challenge, raw bytes")
        XCTAssertEqual(phone.keys.prompts, 1)
        XCTAssertTrue(try phone.approvals.enrollments()[0].phoneSigninEnabled)
        let signIn = try idp.startSignIn(user, passwordless: true)
        _ = try phone.approvals.pendingRequests()
        XCTAssertEqual(try phone.approvals.approve(requestId: signIn.id, number: signIn.number), .approved)

        // A store that cannot attest (nil): the key is created without attestation.
        phone.keys.attest = nil
        try phone.approvals.enablePhoneSignin(enrollmentId: id)
        XCTAssertEqual(phone.keys.attestedChallenges.count, 1)
        XCTAssertTrue(try phone.approvals.enrollments()[0].phoneSigninEnabled)
        XCTAssertEqual(phone.keys.aliases.count, 2, "the replaced key was deleted")
    }

    func testTheAppAttestClientDataHashNamesTheChallengeAndTheKey() {
        let challenge = Data(repeating: 7, count: 40)
        let key = Data([4] + [UInt8](repeating: 1, count: 64))
        let hash = appAttestClientDataHash(challenge: challenge, publicKey: key)
        XCTAssertEqual(hash.count, 32)
        XCTAssertEqual(hash, appAttestClientDataHash(challenge: challenge, publicKey: key))
        XCTAssertNotEqual(hash, appAttestClientDataHash(challenge: Data(repeating: 8, count: 40), publicKey: key))
        XCTAssertNotEqual(hash, appAttestClientDataHash(challenge: challenge, publicKey: Data([4] + [UInt8](repeating: 2, count: 64))))
    }

    func testPhoneSigninWithTheUserVerificationGate() throws {
        let idp = try idp()
        let user = newUser()
        let phone = try Phone()
        let id = try enroll(phone, user).id
        try phone.approvals.enablePhoneSignin(enrollmentId: id)
        XCTAssertEqual(phone.keys.prompts, 1, "the new key's proof needed the user")
        XCTAssertTrue(try phone.approvals.enrollments()[0].phoneSigninEnabled)
        XCTAssertEqual(try idp.devices(user)[0]["phoneSignin"] as? Bool, true)
        XCTAssertEqual(phone.keys.aliases.count, 2)

        let signIn = try idp.startSignIn(user, passwordless: true)
        XCTAssertTrue(try phone.approvals.pendingRequests().requests[0].passwordless)
        phone.keys.pinPrompt = { "0000" }
        assertNyckelError(.UserVerificationFailed) { _ = try phone.approvals.approve(requestId: signIn.id, number: signIn.number) }
        XCTAssertEqual(try idp.status(signIn.id), "pending")
        phone.keys.pinPrompt = { nil }
        assertNyckelError(.UserCancelled) { _ = try phone.approvals.approve(requestId: signIn.id, number: signIn.number) }
        XCTAssertEqual(try idp.status(signIn.id), "pending")
        XCTAssertEqual(try phone.signIns(), [], "nothing was decided")

        phone.keys.pinPrompt = { SwiftDeviceKeyStore.pin }
        let before = phone.keys.uvSignatures
        XCTAssertEqual(try phone.approvals.approve(requestId: signIn.id, number: signIn.number), .approved)
        XCTAssertEqual(phone.keys.uvSignatures, before + 1, "approved with the user-verification key")
        XCTAssertEqual(try idp.status(signIn.id), "approved")
        guard case let .signIn(_, _, _, _, _, _, result, passwordless) = try phone.signIns()[0] else { return XCTFail() }
        XCTAssertEqual(result, "approved")
        XCTAssertTrue(passwordless)

        // A phone sign-in key the store no longer has (invalidated by new biometrics: the
        // store says NotFound) asks for phone sign-in again, not for a new enrollment.
        let again = try idp.startSignIn(user, passwordless: true)
        _ = try phone.approvals.pendingRequests()
        try phone.keys.deleteKey(alias: phone.keys.aliases.first { $0.contains("-phone-") }!)
        XCTAssertThrowsError(try phone.approvals.approve(requestId: again.id, number: again.number)) { error in
            guard case let NyckelError.PhoneSigninKeyUnavailable(reason) = error else { return XCTFail("got \(error)") }
            XCTAssertFalse(reason.isEmpty)
        }
        XCTAssertEqual(try idp.status(again.id), "pending")
        try phone.approvals.enablePhoneSignin(enrollmentId: id)
        XCTAssertEqual(try phone.approvals.approve(requestId: again.id, number: again.number), .approved)

        try phone.approvals.disablePhoneSignin(enrollmentId: id)
        XCTAssertFalse(try phone.approvals.enrollments()[0].phoneSigninEnabled)
        XCTAssertEqual(phone.keys.aliases.count, 1, "the phone sign-in key is deleted")
        let toggles = try phone.vault.activity(limit: 100).compactMap { e -> Bool? in
            if case let .phoneSignin(_, _, enabled) = e.event { return enabled } else { return nil }
        }
        XCTAssertEqual(toggles, [false, true, true])
    }

    func testKeyStoreErrorsAreTyped() throws {
        let idp = try idp()
        let phone = try Phone()
        let uri = try idp.addUser(newUser())
        phone.keys.beforeOperation = { if $0 == "create" { throw DeviceKeyError.UserCancelled } }
        assertNyckelError(.UserCancelled) { _ = try phone.approvals.enroll(uri: uri, deviceName: "t", pushToken: nil) }
        struct KeychainBug: Error {}
        phone.keys.beforeOperation = { if $0 == "sign" { throw KeychainBug() } }
        XCTAssertThrowsError(try phone.approvals.enroll(uri: uri, deviceName: "t", pushToken: nil)) { error in
            guard case NyckelError.DeviceKeyUnavailable = error else { return XCTFail("got \(error)") }
        }
        XCTAssertEqual(phone.keys.aliases, [], "a failed enrollment deletes its key")
        XCTAssertEqual(try phone.approvals.enrollments(), [])
        phone.keys.beforeOperation = { _ in }
        _ = try phone.approvals.enroll(uri: uri, deviceName: "t", pushToken: nil) // the code was never used
        XCTAssertEqual(phone.keys.aliases.count, 1)
        XCTAssertThrowsError(try phone.approvals.enroll(uri: uri, deviceName: "t", pushToken: nil)) { error in
            guard case NyckelError.InvalidEnrollmentCode = error else { return XCTFail("got \(error)") }
        }
    }

    func testLockedVaultCreatesNoKey() throws {
        let idp = try idp()
        let phone = try Phone()
        let uri = try idp.addUser(newUser())
        try phone.vault.lock()
        assertNyckelError(.Locked) { _ = try phone.approvals.enroll(uri: uri, deviceName: "t", pushToken: nil) }
        assertNyckelError(.Locked) { _ = try phone.approvals.pendingRequests() }
        XCTAssertEqual(phone.keys.aliases, [])
        try phone.vault.unlockWithPassphrase(passphrase: TestSupport.passphrase)
        _ = try phone.approvals.enroll(uri: uri, deviceName: "t", pushToken: nil)
    }

    func testHttpClientThatThrowsIsProviderUnreachable() throws {
        let idp = try idp()
        let user = newUser()
        let phone = try Phone()
        let id = try enroll(phone, user).id
        let signIn = try idp.startSignIn(user)
        _ = try phone.approvals.pendingRequests()
        phone.http.offline = true
        XCTAssertThrowsError(try phone.approvals.approve(requestId: signIn.id, number: signIn.number)) { error in
            guard case NyckelError.ProviderUnreachable = error else { return XCTFail("got \(error)") }
        }
        guard case let .signIn(_, _, _, _, _, _, result, _) = try phone.signIns()[0] else { return XCTFail() }
        XCTAssertEqual(result, "not delivered")
        let failures = try phone.approvals.pendingRequests().failures
        XCTAssertEqual(failures.map(\.enrollmentId), [id])
        XCTAssertTrue(failures[0].reason.contains("network is unreachable"), failures[0].reason)
        phone.http.offline = false
        // Any other error thrown by the client counts as "no response" too.
        struct NoNetworkStack: Error {}
        phone.http.beforeExecute = { _ in throw NoNetworkStack() }
        XCTAssertThrowsError(try phone.approvals.syncTime(enrollmentId: id)) { error in
            guard case NyckelError.ProviderUnreachable = error else { return XCTFail("got \(error)") }
        }
        phone.http.beforeExecute = { _ in }
        _ = try phone.approvals.pendingRequests()
        XCTAssertEqual(try phone.approvals.approve(requestId: signIn.id, number: signIn.number), .approved)
    }

    func testReentrantCallsFromTheCallbacksDoNotDeadlock() throws {
        let idp = try idp()
        let user = newUser()
        let phone = try Phone()
        _ = try phone.vault.addUri(uri: TestSupport.totpUri(TestSupport.randomSecret()))
        _ = try enroll(phone, user)
        let seen = Collected<String>()
        let (vault, approvals) = (phone.vault, phone.approvals)
        phone.http.beforeExecute = { _ in
            seen.append("http accounts=\(try vault.accounts().count) enrollments=\(try approvals.enrollments().count)")
        }
        phone.keys.beforeOperation = { if $0 == "sign" { seen.append("sign locked=\(try vault.isLocked())") } }
        let signIn = try idp.startSignIn(user)
        let outcome = Locked<SignInOutcome?>(nil)
        try withDeadline(60) {
            _ = try approvals.pendingRequests()
            outcome.value = try approvals.approve(requestId: signIn.id, number: signIn.number)
        }
        XCTAssertEqual(outcome.value, .approved)
        XCTAssertTrue(seen.all.contains("http accounts=1 enrollments=1"), "\(seen.all)")
        XCTAssertTrue(seen.all.contains("sign locked=false"), "\(seen.all)")
        phone.http.beforeExecute = { _ in }
        phone.keys.beforeOperation = { _ in }
    }

    func testRustSoftwareKeyStoreWorksWhereTheTraitIsExpected() throws {
        let idp = try idp()
        let user = newUser()
        let vault = try TestSupport.newVault()
        let keys = SoftwareDeviceKeyStore(pin: "1357")
        let approvals = NyckelApprovals(vault: vault, deviceKeys: keys, http: URLSessionHttpClient())
        let id = try approvals.enroll(uri: try idp.addUser(user), deviceName: "desktop", pushToken: nil).id
        try approvals.enablePhoneSignin(enrollmentId: id)
        XCTAssertEqual(keys.aliases().count, 2)
        let signIn = try idp.startSignIn(user, passwordless: true)
        _ = try approvals.pendingRequests()
        keys.setPin(pin: "0000")
        assertNyckelError(.UserVerificationFailed) { _ = try approvals.approve(requestId: signIn.id, number: signIn.number) }
        keys.setPin(pin: "1357")
        XCTAssertEqual(try approvals.approve(requestId: signIn.id, number: signIn.number), .approved)
    }

    func testPushTokenTimeAndRemoval() throws {
        let idp = try idp()
        let user = newUser()
        let phone = try Phone()
        let id = try enroll(phone, user).id
        XCTAssertLessThanOrEqual(abs(try phone.approvals.syncTime(enrollmentId: id)), 2)
        try phone.approvals.updatePushToken(token: "apns-2")
        XCTAssertEqual(try idp.devices(user)[0]["hasPushToken"] as? Bool, true)
        try phone.approvals.updatePushToken(token: nil)
        XCTAssertEqual(try idp.devices(user)[0]["hasPushToken"] as? Bool, false)
        XCTAssertEqual(try phone.approvals.removeEnrollment(enrollmentId: id),
                       RemovedEnrollment(providerRevoked: true, providerFailure: nil))
        XCTAssertEqual(try phone.approvals.enrollments(), [])
        XCTAssertEqual(phone.keys.aliases, [])
        XCTAssertNotNil(IdpServer.int(try idp.devices(user)[0]["revokedAt"]), "the provider revoked the device")
        guard case .enrollmentRemoved = try phone.vault.activity(limit: 1)[0].event else { return XCTFail() }
        assertNyckelError(.EnrollmentNotFound(id: id)) { _ = try phone.approvals.syncTime(enrollmentId: id) }
    }
}
