import Foundation
import XCTest
@testable import Nyckel

/// The vault-key protector implemented in Swift ([TestKeyProtector]), called by Rust
/// through the foreign trait.
final class KeyProtectorTests: XCTestCase {
    func testProtectorOnlyVaultRoundTrip() throws {
        let path = TestSupport.vaultPath()
        let protector = TestKeyProtector()
        do {
            let vault = try NyckelVault.createWithProtector(path: path, protector: protector)
            XCTAssertTrue(try vault.hasPlatformKey())
            _ = try vault.addUri(uri: OtpTests.totpUri(OtpTests.sha1Secret, "SHA1"))
            vault.closeVault()
        }
        XCTAssertEqual(protector.prompts, 1)
        let vault = try NyckelVault.open(path: path)
        XCTAssertTrue(try vault.isLocked())
        try vault.unlockWithProtector(protector: protector)
        XCTAssertEqual(try vault.codesAt(unixTime: 59).map(\.code.code), ["94287082"])
        XCTAssertThrowsError(try vault.disablePlatformKey()) { error in
            guard case NyckelError.InvalidInput = error else { return XCTFail("got \(error)") }
        }
        try vault.setPassphrase(passphrase: "backup phrase", kdf: kdfMinimum())
        try vault.disablePlatformKey()
        XCTAssertFalse(try vault.hasPlatformKey())
        try vault.lock()
        XCTAssertThrowsError(try vault.unlockWithProtector(protector: protector)) { error in
            XCTAssertEqual(error as? NyckelError, .NoPlatformKey)
        }
        try vault.unlockWithPassphrase(passphrase: "backup phrase")
    }

    func testEnableOnPassphraseVaultThenUnlockWithIt() throws {
        let vault = try TestSupport.newVault()
        _ = try vault.addUri(uri: TestSupport.totpUri(TestSupport.randomSecret()))
        let protector = TestKeyProtector()
        try vault.enablePlatformKey(protector: protector)
        XCTAssertEqual(protector.prompts, 2) // wrap, then unwrap to prove the key comes back
        try vault.lock()
        try vault.unlockWithProtector(protector: protector)
        XCTAssertEqual(try vault.accounts().count, 1)
    }

    func testUserCancelledGivesTypedErrorAndStaysLocked() throws {
        let protector = TestKeyProtector()
        let vault = try TestSupport.newVault()
        try vault.enablePlatformKey(protector: protector)
        try vault.lock()
        protector.onPrompt = { throw KeyProtectorError.UserCancelled }
        XCTAssertThrowsError(try vault.unlockWithProtector(protector: protector)) { error in
            XCTAssertEqual(error as? NyckelError, .UserCancelled)
        }
        XCTAssertTrue(try vault.isLocked())
        XCTAssertThrowsError(try vault.accounts()) { XCTAssertEqual($0 as? NyckelError, .Locked) }
        protector.onPrompt = {}
        try vault.unlockWithProtector(protector: protector)
        XCTAssertFalse(try vault.isLocked())
    }

    func testInvalidatedOrReplacedKeyGivesKeyInvalidated() throws {
        let vault = try TestSupport.newVault()
        try vault.enablePlatformKey(protector: TestKeyProtector())
        try vault.lock()
        // A different platform key (biometrics re-enrolled → new Secure Enclave key).
        XCTAssertThrowsError(try vault.unlockWithProtector(protector: TestKeyProtector())) { error in
            XCTAssertEqual(error as? NyckelError, .KeyInvalidated)
            XCTAssertTrue((error as? NyckelError)?.needsUnlock ?? false)
        }
        XCTAssertTrue(try vault.isLocked())
        let gone = TestKeyProtector(onPrompt: { throw KeyProtectorError.KeyInvalidated })
        XCTAssertThrowsError(try vault.unlockWithProtector(protector: gone)) { XCTAssertEqual($0 as? NyckelError, .KeyInvalidated) }
        let busy = TestKeyProtector(onPrompt: { throw KeyProtectorError.Unavailable(reason: "device locked") })
        XCTAssertThrowsError(try vault.unlockWithProtector(protector: busy)) {
            XCTAssertEqual($0 as? NyckelError, .KeyUnavailable(reason: "device locked"))
        }
        try vault.unlockWithPassphrase(passphrase: TestSupport.passphrase)
    }

    /// A platform implementation that hands back whatever it is told to, right or wrong.
    private final class LyingProtector: VaultKeyProtector, @unchecked Sendable {
        private let answer: (Data) -> Data
        init(_ answer: @escaping (Data) -> Data) { self.answer = answer }
        func wrap(vaultKey: Data) throws -> Data { Data(vaultKey.map { $0 ^ 0x5a }) }
        func unwrap(wrappedKey: Data) throws -> Data { answer(wrappedKey) }
    }

    func testGarbageOrWrongLengthKeysAreTypedErrorsAndTheVaultStaysIntact() throws {
        let vault = try TestSupport.newVault()
        _ = try vault.addUri(uri: OtpTests.totpUri(OtpTests.sha1Secret, "SHA1"))
        let answers = [Data(), Data(repeating: 7, count: 16), Data(repeating: 7, count: 31),
                       Data(repeating: 7, count: 32), Data(repeating: 7, count: 33), Data(repeating: 7, count: 4096)]
        // Enrolling with a protector whose unwrap does not give the key back stores nothing.
        for answer in answers {
            XCTAssertThrowsError(try vault.enablePlatformKey(protector: LyingProtector { _ in answer })) { error in
                guard case NyckelError.KeyProtector = error else { return XCTFail("\(answer.count) bytes: got \(error)") }
            }
            XCTAssertFalse(try vault.hasPlatformKey())
        }
        let good = LyingProtector { Data($0.map { $0 ^ 0x5a }) }
        try vault.enablePlatformKey(protector: good)
        try vault.lock()
        // A key that does not fit reads as a platform key that changed.
        for answer in answers {
            XCTAssertThrowsError(try vault.unlockWithProtector(protector: LyingProtector { _ in answer })) { error in
                XCTAssertEqual(error as? NyckelError, .KeyInvalidated, "\(answer.count) bytes")
            }
            XCTAssertTrue(try vault.isLocked())
        }
        try vault.unlockWithProtector(protector: good)
        XCTAssertEqual(try vault.codesAt(unixTime: 59).map(\.code.code), ["94287082"])
    }

    func testUnexpectedSwiftErrorBecomesKeyProtectorError() throws {
        struct AppBug: Error {}
        let vault = try TestSupport.newVault()
        let buggy = TestKeyProtector(onPrompt: { throw AppBug() })
        XCTAssertThrowsError(try vault.enablePlatformKey(protector: buggy)) { error in
            guard case NyckelError.KeyProtector(let reason) = error else { return XCTFail("got \(error)") }
            XCTAssertFalse(reason.isEmpty)
        }
        XCTAssertFalse(try vault.hasPlatformKey())
    }

    func testReentrantCallFromTheProtectorDoesNotDeadlock() throws {
        let vault = try TestSupport.newVault()
        _ = try vault.addUri(uri: TestSupport.totpUri(TestSupport.randomSecret()))
        let seen = Collected<String>()
        let protector = TestKeyProtector()
        protector.onPrompt = {
            // While "Face ID is up", the app refreshes its UI from the vault.
            seen.append("locked=\(try vault.isLocked()) platform=\(try vault.hasPlatformKey())")
            do { seen.append("accounts=\(try vault.accounts().count)") } catch { seen.append("\(error)") }
        }
        try withDeadline(30) {
            try vault.enablePlatformKey(protector: protector)
            try vault.lock()
            try vault.unlockWithProtector(protector: protector)
        }
        XCTAssertEqual(seen.all, ["locked=false platform=false", "accounts=1", "locked=false platform=false", "accounts=1",
                                  "locked=true platform=true", "Locked"])
        XCTAssertEqual(try vault.accounts().count, 1)
    }
}
