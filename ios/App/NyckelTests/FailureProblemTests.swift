import XCTest
import Nyckel
@testable import Nyckel_App

/// A provider's failure reported beside a result (the pending list's `FetchFailure`, a move's
/// `TransferFailure`) is its kind's sentence in the app's language; the library's English
/// `reason` is only the detail.
final class FailureProblemTests: XCTestCase {
    func testAFetchOrTransferFailureIsItsKindsSentenceNotTheLibrarysEnglish() {
        let fetch = Problem.of(FetchFailure(enrollmentId: 7, kind: .deviceRevoked, nextStep: .enrollAgain, reason: "this device was revoked"))
        XCTAssertEqual(fetch, Problem(kind: .deviceRevoked, detail: "this device was revoked", nextStep: .enrollAgain))
        let moved = Problem.of(TransferFailure(kind: .invalidEnrollmentCode, nextStep: .newEnrollmentCode, reason: "the code was used"))
        XCTAssertEqual(moved, Problem(kind: .enrollmentInvalid, detail: "the code was used", nextStep: .newEnrollmentCode))
        XCTAssertEqual(Problem.of(FetchFailure(enrollmentId: 1, kind: .providerUnreachable, nextStep: .checkNetwork, reason: "timed out")).kind,
                       .providerUnreachable)
        XCTAssertFalse(fetch.message.contains("this device was revoked"), "a revoked device's sentence shows no English detail")
        XCTAssertEqual(Catalog.swedish[fetch.message].map { $0.contains("organisation") }, true, "in Swedish too")
    }
}
