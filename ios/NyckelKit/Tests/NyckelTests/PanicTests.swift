import Foundation
import XCTest
@testable import Nyckel

#if NYCKEL_TEST_HOOKS
/// A Rust panic must reach Swift as a thrown error, never abort the process. The library
/// under test is the release build (panic = "unwind"), as the apps ship it.
///
/// Needs the library built with `--features test-hooks`; scripts/test-swift.sh builds it so
/// and passes `-Xswiftc -DNYCKEL_TEST_HOOKS`.
final class PanicTests: XCTestCase {
    func testPanicBecomesAnError() throws {
        XCTAssertTrue(testHooksEnabled(), "the test library is built with --features test-hooks")
        XCTAssertThrowsError(try testHookPanic(message: "boom")) { error in
            XCTAssertFalse(error is NyckelError, "a panic is uniffi's internal error, not a NyckelError")
            XCTAssertTrue(String(describing: error).contains("boom"), String(describing: error))
        }
        // The library still works afterwards.
        XCTAssertEqual(try codeForUri(uri: OtpTests.totpUri(OtpTests.sha1Secret, "SHA1"), unixTime: 59).code, "94287082")
    }

    func testPanicsOnManyThreadsStayErrors() {
        let thrown = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { n in
            for _ in 0..<5 {
                do { try testHookPanic(message: "thread \(n)") } catch { thrown.increment() }
            }
        }
        XCTAssertEqual(thrown.value, 40)
    }

    func testPanicWhileHoldingTheLockLeavesTheVaultUsable() throws {
        let vault = try TestSupport.newVault()
        _ = try vault.addUri(uri: TestSupport.totpUri(TestSupport.randomSecret()))
        XCTAssertThrowsError(try vault.testHookPanicHoldingLock()) { error in
            XCTAssertFalse(error is NyckelError, "a panic is uniffi's internal error")
        }
        XCTAssertEqual(try vault.accounts().count, 1)
    }
}
#endif

/// A thread-safe counter for the concurrency tests.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
