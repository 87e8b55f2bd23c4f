import Foundation
import XCTest
@testable import Nyckel

/// One vault object used from 8 threads at once.
final class ConcurrencyTests: XCTestCase {
    func testEightThreadsAtOnce() throws {
        let vault = try TestSupport.newVault()
        let sha1 = OtpTests.sha1Secret
        let hotp = try vault.addUri(uri: "otpauth://hotp/RFC:4226?secret=\(sha1)&counter=0").account
        let threads = 8, rounds = 10
        let hotpCodes = Collected<String>()
        let failures = Collected<String>()
        try withDeadline(120) {
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                for r in 0..<rounds {
                    do {
                        _ = try vault.addUri(uri: TestSupport.totpUri(TestSupport.randomSecret(), issuer: "T\(t)", name: "r\(r)"))
                        hotpCodes.append(try vault.nextHotpCode(id: hotp.id).code)
                        if try !vault.codes().allSatisfy({ $0.code.code.count == 6 }) { failures.append("bad code length") }
                        _ = try vault.accounts()
                        if try codeForUri(uri: OtpTests.totpUri(sha1, "SHA1"), unixTime: 59).code != "94287082" { failures.append("rfc") }
                        _ = try vault.activity(limit: 5)
                    } catch {
                        failures.append("\(error)")
                    }
                }
            }
        }
        XCTAssertEqual(failures.all, [])
        XCTAssertEqual(try vault.accounts().count, 1 + threads * rounds)
        XCTAssertEqual(try vault.codes().count, threads * rounds)
        // Every counter value 0..79 was used exactly once: no code shown twice or skipped.
        let expected = try (0..<(threads * rounds)).map {
            try codeForUri(uri: "otpauth://hotp/RFC:4226?secret=\(sha1)&counter=\($0)", unixTime: 0).code
        }
        XCTAssertEqual(hotpCodes.all.sorted(), expected.sorted())
        XCTAssertEqual(try vault.account(id: hotp.id).counter, UInt64(threads * rounds))
    }

    func testLockAndCloseRacingWithReaders() throws {
        let vault = try TestSupport.newVault()
        for i in 0..<5 { _ = try vault.addUri(uri: TestSupport.totpUri(TestSupport.randomSecret(), name: "a\(i)")) }
        let outcomes = Collected<String>()
        try withDeadline(120) {
            DispatchQueue.concurrentPerform(iterations: 8) { t in
                for i in 0..<30 {
                    do {
                        if t == 0 && i % 3 == 0 { try vault.lock() }
                        else if t == 1 && i % 3 == 1 { try vault.unlockWithPassphrase(passphrase: TestSupport.passphrase) }
                        else { outcomes.append("ok \(try vault.codes().count)") }
                    } catch NyckelError.Locked {
                        outcomes.append("locked")
                    } catch {
                        outcomes.append("\(error)")
                    }
                }
            }
        }
        XCTAssertTrue(outcomes.all.allSatisfy { $0 == "ok 5" || $0 == "locked" }, "\(outcomes.all)")
        vault.closeVault()
        XCTAssertThrowsError(try vault.codes()) { XCTAssertEqual($0 as? NyckelError, .Closed) }
    }
}
