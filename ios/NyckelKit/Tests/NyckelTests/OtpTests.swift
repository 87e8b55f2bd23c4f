import XCTest
@testable import Nyckel

/// otpauth parsing and code computation through the FFI, with RFC 6238 / RFC 4226 vectors.
final class OtpTests: XCTestCase {
    // RFC 6238 appendix B seeds: ASCII "1234567890" repeated to 20 / 32 / 64 bytes.
    static let sha1Secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    static let sha256Secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
    static let sha512Secret =
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA"

    static func totpUri(_ secret: String, _ algorithm: String) -> String {
        "otpauth://totp/RFC:test?secret=\(secret)&issuer=RFC&algorithm=\(algorithm)&digits=8&period=30"
    }

    func testRfc6238Vectors() throws {
        let vectors: [(Int64, String, String)] = [
            (59, "SHA1", "94287082"), (1111111109, "SHA1", "07081804"), (1111111111, "SHA1", "14050471"),
            (1234567890, "SHA1", "89005924"), (2000000000, "SHA1", "69279037"), (20000000000, "SHA1", "65353130"),
            (59, "SHA256", "46119246"), (1111111109, "SHA256", "68084774"), (1111111111, "SHA256", "67062674"),
            (1234567890, "SHA256", "91819424"), (2000000000, "SHA256", "90698825"), (20000000000, "SHA256", "77737706"),
            (59, "SHA512", "90693936"), (1111111109, "SHA512", "25091201"), (1111111111, "SHA512", "99943326"),
            (1234567890, "SHA512", "93441116"), (2000000000, "SHA512", "38618901"), (20000000000, "SHA512", "47863826"),
        ]
        for (time, algorithm, expected) in vectors {
            let secret = algorithm == "SHA1" ? Self.sha1Secret : algorithm == "SHA256" ? Self.sha256Secret : Self.sha512Secret
            let code = try codeForUri(uri: Self.totpUri(secret, algorithm), unixTime: time)
            XCTAssertEqual(code.code, expected, "\(algorithm) at \(time)") // leading zeros kept
            XCTAssertEqual(code.period, 30)
            XCTAssertEqual(code.secondsLeft, UInt32(30 - time % 30))
        }
    }

    func testRfc4226Vectors() throws {
        let expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
        for (counter, want) in expected.enumerated() {
            let code = try codeForUri(uri: "otpauth://hotp/RFC:4226?secret=\(Self.sha1Secret)&counter=\(counter)", unixTime: 0)
            XCTAssertEqual(code.code, want, "counter \(counter)")
            XCTAssertNil(code.secondsLeft)
            XCTAssertNil(code.period)
        }
    }

    func testParseGivesInfoWithoutSecret() throws {
        let r = try parseUri(uri: "otpauth://totp/ACME%20Co:jane@example.com?secret=\(Self.sha1Secret)&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60")
        XCTAssertEqual(r.info.kind, .totp)
        XCTAssertEqual(r.info.issuer, "ACME Co")
        XCTAssertEqual(r.info.name, "jane@example.com")
        XCTAssertEqual(r.info.algorithm, .sha256)
        XCTAssertEqual(r.info.digits, 8)
        XCTAssertEqual(r.info.period, 60)
        XCTAssertTrue(r.warnings.isEmpty, "\(r.warnings)")
        XCTAssertFalse(String(describing: r).contains(Self.sha1Secret), "records never carry the secret")
    }

    func testParseReportsWarnings() throws {
        let r = try parseUri(uri: "otpauth://hotp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example")
        XCTAssertEqual(r.info.kind, .hotp)
        XCTAssertFalse(r.warnings.isEmpty, "missing counter and short secret are warnings")
    }

    func testBadUrisThrowTypedErrors() {
        let bad = [
            "https://example.com/",
            "otpauth://totp/x?issuer=nosecret",
            "otpauth://totp/x?secret=not*base32!",
            "otpauth://foo/x?secret=\(Self.sha1Secret)",
            "otpauth://totp/x?secret=\(Self.sha1Secret)&digits=zero",
            "otpauth://totp/x?secret=\(Self.sha1Secret)&algorithm=MD5",
            "",
            "otpauth://totp/x?secret=" + String(repeating: "A", count: 5000),
        ]
        for uri in bad {
            XCTAssertThrowsError(try parseUri(uri: uri), String(uri.prefix(60))) { error in
                guard case NyckelError.InvalidUri(let reason) = error else {
                    return XCTFail("expected InvalidUri for \(uri.prefix(60)), got \(error)")
                }
                XCTAssertFalse(reason.isEmpty)
            }
            XCTAssertThrowsError(try codeForUri(uri: uri, unixTime: 0)) { error in
                guard case NyckelError.InvalidUri = error else { return XCTFail("got \(error)") }
            }
        }
    }

    func testInvalidUriReasonNamesTheProblemNotTheSecret() {
        let secret = "JBSWY3DPEHPK3PXP1"
        XCTAssertThrowsError(try parseUri(uri: "otpauth://totp/x?secret=\(secret)")) { error in
            guard case NyckelError.InvalidUri(let reason) = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(reason.contains("base32"), reason)
            XCTAssertFalse(reason.contains(secret), reason)
        }
    }

    func testNegativeTimeIsRejected() {
        XCTAssertThrowsError(try codeForUri(uri: Self.totpUri(Self.sha1Secret, "SHA1"), unixTime: -1)) { error in
            guard case NyckelError.InvalidInput = error else { return XCTFail("got \(error)") }
        }
    }

    func testSteamCodes() throws {
        let steam = try codeForUri(uri: "otpauth://steam/Steam:me?secret=\(Self.sha1Secret)", unixTime: 59)
        XCTAssertEqual(steam.code.count, 5)
        XCTAssertTrue(steam.code.allSatisfy { "23456789BCDFGHJKMNPQRTVWXY".contains($0) }, steam.code)
    }

    func testHelpers() throws {
        XCTAssertEqual(CodeInfo(code: "070818", secondsLeft: 3, period: 30).grouped, "070 818")
        XCTAssertEqual(CodeInfo(code: "07081804", secondsLeft: 3, period: 30).grouped, "0708 1804")
        XCTAssertEqual(CodeInfo(code: "XK2P9", secondsLeft: 3, period: 30).grouped, "XK2P9")
        XCTAssertEqual(CodeInfo(code: "070818", secondsLeft: 15, period: 30).remainingFraction, 0.5)
        XCTAssertNil(CodeInfo(code: "070818", secondsLeft: nil, period: nil).remainingFraction)
        XCTAssertEqual(displayTitle(issuer: "ACME", name: "jane"), "ACME (jane)")
        XCTAssertEqual(displayTitle(issuer: "", name: "jane"), "jane")
        XCTAssertFalse(nyckelVersion().isEmpty)
        XCTAssertGreaterThan(try unixTimeNow(), 1_700_000_000)
    }
}
