import Foundation
import XCTest
@testable import Nyckel

/// A Rust panic must reach Swift as a thrown error, never abort the process. The library
/// under test is the release build (panic = "unwind"), as the apps ship it.
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
}

/// A thread-safe counter for the concurrency tests.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
