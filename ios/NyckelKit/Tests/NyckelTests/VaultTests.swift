import Foundation
import XCTest
@testable import Nyckel

/// The vault through the FFI: accounts, codes, persistence, errors.
final class VaultTests: XCTestCase {
    let sha1 = OtpTests.sha1Secret

    func expect<T>(_ expected: NyckelError, _ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual(error as? NyckelError, expected, file: file, line: line)
        }
    }

    func testAddFromUriAndRfcCodesThroughTheVault() throws {
        let vault = try TestSupport.newVault()
        let added = try vault.addUri(uri: OtpTests.totpUri(sha1, "SHA1"))
        XCTAssertEqual(added.account.issuer, "RFC")
        XCTAssertEqual(added.account.kind, .totp)
        XCTAssertEqual(added.account.digits, 8)
        _ = try vault.addUri(uri: OtpTests.totpUri(OtpTests.sha256Secret, "SHA256"))
        _ = try vault.addUri(uri: OtpTests.totpUri(OtpTests.sha512Secret, "SHA512"))
        let hotp = try vault.addUri(uri: "otpauth://hotp/RFC:4226?secret=\(sha1)&counter=0").account

        // One call, every TOTP/Steam account, in order; HOTP left out.
        let codes = try vault.codesAt(unixTime: 1111111109)
        XCTAssertEqual(codes.map(\.code.code), ["07081804", "68084774", "25091201"])
        XCTAssertTrue(codes.allSatisfy { $0.code.period == 30 && $0.code.secondsLeft == 1 })
        XCTAssertEqual(try (1...3).map { _ in try vault.nextHotpCode(id: hotp.id).code }, ["755224", "287082", "359152"])
        XCTAssertEqual(try vault.account(id: hotp.id).counter, 3)
        XCTAssertEqual(try vault.codes().count, 3)
    }

    func testPersistsAcrossReopen() throws {
        let path = TestSupport.vaultPath()
        do {
            let vault = try TestSupport.newVault(path: path, passphrase: "pässfråse")
            _ = try vault.addUri(uri: OtpTests.totpUri(sha1, "SHA1"))
            let hotp = try vault.addUri(uri: "otpauth://hotp/RFC:4226?secret=\(sha1)&counter=0").account
            XCTAssertEqual(try vault.nextHotpCode(id: hotp.id).code, "755224")
            _ = try vault.updateAccount(id: hotp.id, changes: AccountChanges(note: "yubikey drawer"))
            vault.closeVault()
        }
        let vault = try NyckelVault.open(path: path)
        XCTAssertTrue(try vault.isLocked())
        expect(.Locked, try vault.accounts())
        expect(.Locked, try vault.codes())
        try vault.unlockWithPassphrase(passphrase: "pässfråse")
        XCTAssertFalse(try vault.isLocked())
        let accounts = try vault.accounts()
        XCTAssertEqual(accounts.count, 2)
        XCTAssertEqual(accounts[1].note, "yubikey drawer")
        XCTAssertEqual(try vault.nextHotpCode(id: accounts[1].id).code, "287082") // counter persisted
        XCTAssertEqual(try vault.codesAt(unixTime: 59).map(\.code.code), ["94287082"])
        try vault.lock()
        XCTAssertTrue(try vault.isLocked())
        expect(.Locked, try vault.accounts())
    }

    func testWrongPassphrase() throws {
        let path = TestSupport.vaultPath()
        try TestSupport.newVault(path: path, passphrase: "right").closeVault()
        let vault = try NyckelVault.open(path: path)
        expect(.WrongPassphrase, try vault.unlockWithPassphrase(passphrase: "wrong"))
        XCTAssertTrue(try vault.isLocked())
        try vault.unlockWithPassphrase(passphrase: "right")
        XCTAssertFalse(try vault.isLocked())
    }

    func testUseAfterClose() throws {
        let vault = try TestSupport.newVault()
        _ = try vault.addUri(uri: TestSupport.totpUri(TestSupport.randomSecret()))
        vault.closeVault()
        expect(.Closed, try vault.accounts())
        expect(.Closed, try vault.codes())
        expect(.Closed, try vault.isLocked())
        expect(.Closed, try vault.unlockWithPassphrase(passphrase: TestSupport.passphrase))
        vault.closeVault() // twice is fine
    }

    func testTypedErrors() throws {
        let path = TestSupport.vaultPath()
        let vault = try TestSupport.newVault(path: path)
        let first = try vault.addUri(uri: TestSupport.totpUri(sha1)).account
        expect(.Duplicate(existingId: first.id), try vault.addUri(uri: TestSupport.totpUri(sha1, name: "again")))
        _ = try vault.addUri(uri: TestSupport.totpUri(sha1, name: "again"), allowDuplicate: true)
        XCTAssertEqual(try vault.accounts().count, 2)

        XCTAssertThrowsError(try vault.addUri(uri: "otpauth://totp/x?secret=!!!")) { error in
            guard case NyckelError.InvalidUri = error else { return XCTFail("got \(error)") }
        }
        expect(.NotFound(id: 404), try vault.account(id: 404))
        expect(.NotFound(id: 404), try vault.deleteAccount(id: 404))
        XCTAssertThrowsError(try vault.reorder(ids: [first.id])) { error in
            guard case NyckelError.InvalidInput = error else { return XCTFail("got \(error)") }
        }
        XCTAssertThrowsError(try NyckelVault.create(path: path, passphrase: "x", kdf: kdfMinimum())) { error in
            guard case NyckelError.AlreadyExists = error else { return XCTFail("got \(error)") }
        }
        XCTAssertThrowsError(try NyckelVault.open(path: path + ".missing")) { error in
            guard case NyckelError.NoVault = error else { return XCTFail("got \(error)") }
        }
        let junk = TestSupport.vaultPath()
        try Data("not a vault at all".utf8).write(to: URL(fileURLWithPath: junk))
        XCTAssertThrowsError(try NyckelVault.open(path: junk)) { error in
            guard case NyckelError.Damaged = error else { return XCTFail("got \(error)") }
        }
        XCTAssertThrowsError(try NyckelVault.create(path: path + ".2", passphrase: "pw", kdf: KdfSettings(memoryKib: 1024, iterations: 1, parallelism: 1))) { error in
            guard case NyckelError.InvalidInput = error else { return XCTFail("got \(error)") }
        }
        expect(.NoPlatformKey, try vault.unlockWithProtector(protector: TestKeyProtector()))
    }

    func testManualEntryEditReorderDeleteActivityExport() throws {
        let vault = try TestSupport.newVault()
        let manual = try vault.addManual(account: ManualAccount(
            kind: .totp, secret: "gezd gnbv gy3t qojq gezd gnbv gy3t qojq", issuer: "Region Skåne", name: "anna", digits: 8))
        XCTAssertEqual(manual.account.issuer, "Region Skåne")
        XCTAssertEqual(try vault.codesAt(unixTime: 59).map(\.code.code), ["94287082"])
        XCTAssertThrowsError(try vault.addManual(account: ManualAccount(kind: .totp, secret: "not base32!", issuer: "x"))) { error in
            guard case NyckelError.InvalidInput = error else { return XCTFail("got \(error)") }
        }
        let steam = try vault.addManual(account: ManualAccount(kind: .steam, secret: TestSupport.randomSecret(), issuer: "Steam")).account
        XCTAssertEqual(steam.digits, 5)
        let hotp = try vault.addManual(account: ManualAccount(kind: .hotp, secret: TestSupport.randomSecret(), name: "h", counter: 7)).account
        XCTAssertEqual(hotp.counter, 7)

        let renamed = try vault.updateAccount(id: manual.account.id, changes: AccountChanges(name: "anna.k", note: "work"))
        XCTAssertEqual(renamed.name, "anna.k")
        XCTAssertEqual(renamed.note, "work")

        try vault.reorder(ids: [hotp.id, steam.id, manual.account.id])
        XCTAssertEqual(try vault.accounts().map(\.id), [hotp.id, steam.id, manual.account.id])
        XCTAssertEqual(try vault.codes().map(\.account.id), [steam.id, manual.account.id])

        let uri = try vault.exportUri(id: manual.account.id, via: .qr)
        XCTAssertTrue(uri.hasPrefix("otpauth://totp/"), uri)
        XCTAssertEqual(try codeForUri(uri: uri, unixTime: 59).code, "94287082")
        try vault.deleteAccount(id: hotp.id)
        XCTAssertEqual(try vault.accounts().count, 2)

        let activity = try vault.activity(limit: 50)
        guard case .accountRemoved = activity.first?.event else { return XCTFail("\(activity)") }
        XCTAssertTrue(activity.contains { if case .exported(_, let format) = $0.event { return format == "qr" }; return false })
        XCTAssertTrue(activity.contains { if case .accountEdited(_, _, let name) = $0.event { return name == "anna.k" }; return false })
        XCTAssertEqual(activity.filter { if case .accountAdded = $0.event { return true }; return false }.count, 3)
        XCTAssertTrue(zip(activity, activity.dropFirst()).allSatisfy { $0.id > $1.id }, "newest first")
        XCTAssertEqual(try vault.activity(limit: 1).count, 1)
    }

    func testRecordsAndErrorsNeverCarryTheSecret() throws {
        let secret = TestSupport.randomSecret()
        let vault = try TestSupport.newVault()
        let added = try vault.addUri(uri: TestSupport.totpUri(secret))
        var texts = [String(describing: added), String(describing: try vault.accounts()),
                     String(describing: try vault.codes()), String(describing: try vault.activity(limit: 10))]
        for bad in [TestSupport.totpUri(secret), "otpauth://totp/x?secret=\(secret)1&digits=99", "otpauth://totp/x?secret=\(secret)&digits=99"] {
            do { _ = try vault.addUri(uri: bad) } catch { texts.append(String(describing: error)); texts.append(error.localizedDescription) }
        }
        XCTAssertEqual(texts.count, 10)
        for t in texts { XCTAssertFalse(t.contains(secret), t) }
    }
}
