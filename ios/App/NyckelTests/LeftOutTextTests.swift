import XCTest
import Nyckel
@testable import Nyckel_App

/// What stays behind on a backup or a move says why in the app's language: English (the key)
/// and Swedish (Localizable.xcstrings), not the library's English `reason`.
final class LeftOutTextTests: XCTestCase {
    /// `cause`'s sentence in English, and in Swedish (the catalog's value for its key, where
    /// `issuer` stands for `%@`).
    private func says(_ cause: LeftOutCause, issuer: String? = nil, en: [String], sv: [String],
                      file: StaticString = #filePath, line: UInt = #line) {
        let english = LeftOutText.sentence(cause)
        let key = issuer.map { english.replacingOccurrences(of: $0, with: "%@") } ?? english
        let swedish = (Catalog.swedish[key] ?? "").replacingOccurrences(of: "%@", with: issuer ?? "%@")
        for part in en { XCTAssertTrue(english.contains(part), "English lacks \"\(part)\": \(english)", file: file, line: line) }
        for part in sv { XCTAssertTrue(swedish.contains(part), "Swedish lacks \"\(part)\": \(swedish)", file: file, line: line) }
    }

    func testDeviceBoundSignInApprovalsAreSetUpAgainOnTheNewPhone() {
        says(.deviceBound(phoneSignin: false),
             en: ["Sign-in approvals use keys bound to this phone", "set them up again on the new phone"],
             sv: ["Inloggningsgodkännanden använder nycklar", "lägg till dem igen på den nya telefonen"])
        says(.deviceBound(phoneSignin: true),
             en: ["Sign-in approvals and phone sign-in", "set them up again on the new phone"],
             sv: ["Inloggningsgodkännanden och telefoninloggning", "lägg till dem igen på den nya telefonen"])
    }

    func testAManagedOneTimeCodeIsSetUpAgainWithItsOrganisationWhenItSentNothing() {
        says(.managedOtp,
             en: ["managed by your organisation", "set the account up again on the new phone"],
             sv: ["hanteras av din organisation", "lägg till kontot igen på den nya telefonen"])
        says(.managedOtpNotSent(issuer: "Region Skåne"), issuer: "Region Skåne",
             en: ["did not send it for the new phone", "set the account up again with Region Skåne."],
             sv: ["inte skickade den till den nya telefonen", "lägg till kontot igen hos Region Skåne."])
    }

    func testWhatGoogleAuthenticatorsFormatCannotHoldIsNamed() {
        says(.notInGoogleFormat(limit: .steam), en: ["no Steam codes"], sv: ["inga Steam-koder"])
        says(.notInGoogleFormat(limit: .period), en: ["30 seconds"], sv: ["30 sekunder"])
        says(.notInGoogleFormat(limit: .counter), en: ["counter"], sv: ["räknare"])
        says(.notInGoogleFormat(limit: .digits), en: ["6 or 8 digits"], sv: ["6 eller 8 siffror"])
    }

    /// Every cause has its own sentence, translated. `LeftOutText.sentence` is an exhaustive
    /// `switch` without `default`: a new cause does not compile until it has one.
    func testEveryCauseHasItsOwnSentenceInBothLanguages() {
        let causes: [LeftOutCause] = [.deviceBound(phoneSignin: false), .deviceBound(phoneSignin: true), .managedOtp,
                                      .managedOtpNotSent(issuer: "X"), .notInGoogleFormat(limit: .steam),
                                      .notInGoogleFormat(limit: .period), .notInGoogleFormat(limit: .counter),
                                      .notInGoogleFormat(limit: .digits)]
        let sentences = causes.map(LeftOutText.sentence)
        XCTAssertEqual(Set(sentences).count, causes.count)
        for sentence in sentences {
            let key = sentence.replacingOccurrences(of: "with X.", with: "with %@.")
            XCTAssertNotNil(Catalog.swedish[key], "no Swedish for \(key)")
            XCTAssertNotEqual(Catalog.swedish[key], key)
        }
    }
}
