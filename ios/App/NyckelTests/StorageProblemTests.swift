import XCTest
import Nyckel
@testable import Nyckel_App

/// A failed read or write says what happened and what to do, by the library's `StorageFault`,
/// in English (the key) and Swedish (Localizable.xcstrings).
final class StorageProblemTests: XCTestCase {
    /// The problem a `Storage` error with `fault` becomes, and its sentence in each language.
    private func says(_ fault: StorageFault, _ kind: Problem.Kind, en: [String], sv: [String],
                      file: StaticString = #filePath, line: UInt = #line) {
        let problem = Problem.of(NyckelError.Storage(reason: "SQLITE_FULL: database or disk is full", fault: fault))
        XCTAssertEqual(problem.kind, kind, file: file, line: line)
        XCTAssertEqual(problem.nextStep, .tryAgain, "the library's next step is kept", file: file, line: line)
        XCTAssertFalse(problem.endsRequest, "a failed write leaves a sign-in request answerable", file: file, line: line)
        let english = problem.message
        let swedish = Catalog.swedish[english] ?? ""
        for part in en { XCTAssertTrue(english.contains(part), "English lacks \"\(part)\": \(english)", file: file, line: line) }
        for part in sv { XCTAssertTrue(swedish.contains(part), "Swedish lacks \"\(part)\": \(swedish)", file: file, line: line) }
        XCTAssertFalse(english.contains("SQLITE"), "never the library's own text", file: file, line: line)
    }

    func testAFullDiskSaysNothingWasChangedAndToFreeSomeSpace() {
        says(.diskFull, .storageDiskFull,
             en: ["storage is full", "Nothing was changed", "Free some space"],
             sv: ["lagring är full", "Inget ändrades", "Frigör utrymme"])
    }

    func testAFileAtItsSizeLimitSaysSoAndToFreeSomeSpace() {
        says(.fileTooLarge, .storageFileTooLarge,
             en: ["may not grow any larger", "Nothing was changed", "Free some space"],
             sv: ["får inte bli större", "Inget ändrades", "Frigör utrymme"])
    }

    func testAReadOnlyFileSaysCodesStillWorkAndToRestart() {
        says(.readOnly, .storageReadOnly,
             en: ["read-only", "Nothing was changed", "codes can still be shown", "Restart the phone"],
             sv: ["skrivskyddad", "Inget ändrades", "koder kan fortfarande visas", "Starta om telefonen"])
    }

    func testAMissingPermissionSaysSoAndWhatToDo() {
        says(.permissionDenied, .storagePermissionDenied,
             en: ["not allowed to change", "Nothing was changed", "Restart the phone", "Settings → Back up"],
             sv: ["får inte ändra", "Inget ändrades", "Starta om telefonen", "Inställningar → Säkerhetskopiera"])
    }

    func testAFileHeldByAnotherProcessSaysToTryAgainInAMoment() {
        says(.busy, .storageBusy,
             en: ["in use by another process", "Nothing was changed", "try again in a moment"],
             sv: ["används av en annan process", "Inget ändrades", "försök igen om en stund"])
    }

    func testADeviceErrorSaysToMakeABackupWhileTheFileCanBeRead() {
        says(.io, .storageIO,
             en: ["reported an error", "Nothing was changed", "make a backup now", "can still be read"],
             sv: ["rapporterade ett fel", "Inget ändrades", "gör en säkerhetskopia nu", "går att läsa"])
    }

    func testAnyOtherFailureSaysNothingWasChangedAndToTryAgain() {
        says(.other, .storage,
             en: ["could not read or write", "Nothing was changed", "try again"],
             sv: ["kunde inte läsa eller skriva", "Inget ändrades", "försök igen"])
    }

    /// Every fault has a sentence of its own, in both languages. `Problem.storageKind(for:)` is
    /// an exhaustive `switch` without `default`, and so is `all` here: a new fault does not
    /// compile until it has a sentence (and is listed here).
    func testEveryFaultHasItsOwnSentenceInBothLanguages() {
        func listed(_ fault: StorageFault) -> StorageFault {
            switch fault {
            case .diskFull, .fileTooLarge, .readOnly, .permissionDenied, .busy, .io, .other: return fault
            }
        }
        let all: [StorageFault] = [.diskFull, .fileTooLarge, .readOnly, .permissionDenied, .busy, .io, .other].map(listed)
        let messages = all.map { Problem(kind: Problem.storageKind(for: $0)).message }
        XCTAssertEqual(Set(messages).count, all.count, "no two faults say the same: \(messages)")
        for message in messages {
            let swedish = Catalog.swedish[message]
            XCTAssertNotNil(swedish, "no Swedish for \(message)")
            XCTAssertNotEqual(swedish, message)
        }
    }

    /// Every kind the screens show has its Swedish sentence in the catalog.
    func testEveryProblemHasASentenceInBothLanguages() {
        for kind in Problem.Kind.allCases {
            let english = Problem(kind: kind).message
            XCTAssertFalse(english.isEmpty, "\(kind)")
            XCTAssertNotNil(Catalog.swedish[english], "no Swedish for \(kind): \(english)")
            XCTAssertNotEqual(Catalog.swedish[english], english, "\(kind) is translated")
        }
    }
}
