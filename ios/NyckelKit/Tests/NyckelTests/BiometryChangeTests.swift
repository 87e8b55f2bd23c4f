import Foundation
import XCTest
@testable import Nyckel

/// The rule that tells a Face ID change from other key failures (BiometryState.swift). The
/// Keychain / LocalAuthentication half is Apple-only and not run here.
final class BiometryChangeTests: XCTestCase {
    private let a = Data([1, 2, 3])
    private let b = Data([4, 5, 6])

    func testAChangedEnrolmentExplainsAFailure() {
        let change = BiometryChange(recorded: a, current: b)
        XCTAssertTrue(change.isChanged)
        XCTAssertTrue(change.invalidatesKey(failureWasCancel: false))
        XCTAssertFalse(change.invalidatesKey(failureWasCancel: true), "a dismissed prompt is the user's answer")
    }

    func testTheSameEnrolmentLeavesTheFailureAsItIs() {
        let change = BiometryChange(recorded: a, current: a)
        XCTAssertFalse(change.isChanged)
        XCTAssertFalse(change.invalidatesKey(failureWasCancel: false))
        XCTAssertNil(change.stateToRecordAfterSuccess(keyUsesBiometry: true))
    }

    func testUnknownStatesDecideNothing() {
        // No record (a key without biometry), or biometry not evaluable now (locked out,
        // nothing enrolled): the key's own error stands.
        for change in [BiometryChange(recorded: nil, current: b), BiometryChange(recorded: a, current: nil), BiometryChange(recorded: nil, current: nil)] {
            XCTAssertFalse(change.isChanged)
            XCTAssertFalse(change.invalidatesKey(failureWasCancel: false))
        }
    }

    func testWhatIsRecordedAfterASuccess() {
        // A key that still works after a change: the new state becomes the reference.
        XCTAssertEqual(BiometryChange(recorded: a, current: b).stateToRecordAfterSuccess(keyUsesBiometry: true), b)
        // A biometry key made while biometry could not be evaluated gets its record now ...
        XCTAssertEqual(BiometryChange(recorded: nil, current: b).stateToRecordAfterSuccess(keyUsesBiometry: true), b)
        // ... a key without biometry never does (a later failure must not be read as a change).
        XCTAssertNil(BiometryChange(recorded: nil, current: b).stateToRecordAfterSuccess(keyUsesBiometry: false))
        XCTAssertNil(BiometryChange(recorded: a, current: nil).stateToRecordAfterSuccess(keyUsesBiometry: true))
    }
}
