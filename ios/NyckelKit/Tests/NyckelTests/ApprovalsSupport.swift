import Foundation
import XCTest
@testable import Nyckel

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(CryptoKit)
import CryptoKit
#else
import COpenSSLCrypto
#endif

// Support for the approval tests: a real `nyckel-idp serve` process on loopback, a
// DeviceKeyStore in Swift (CryptoKit P-256 on Apple platforms, libcrypto EVP on Linux) and
// an HttpClient in Swift (URLSession; FoundationNetworking on Linux).

/// A `nyckel-idp serve` process on 127.0.0.1 with a temporary database, and its admin CLI.
/// The binary comes from `$NYCKEL_IDP` (scripts/test-swift.sh builds it on the host; it
/// runs in the chroot from the bind-mounted repository).
final class IdpServer: @unchecked Sendable {
    let binary: String
    let dir: URL
    private(set) var origin = ""
    private let process = Process()
    private var pidFile: URL?

    private var db: String { dir.appendingPathComponent("idp.db").path }

    static func start() throws -> IdpServer {
        guard let binary = ProcessInfo.processInfo.environment["NYCKEL_IDP"], !binary.isEmpty,
              FileManager.default.isExecutableFile(atPath: binary) else {
            throw XCTSkip("set NYCKEL_IDP to a nyckel-idp binary (scripts/test-swift.sh does)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nyckel-idp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let server = IdpServer(binary: binary, dir: dir)
        try server.launch()
        return server
    }

    private init(binary: String, dir: URL) {
        self.binary = binary
        self.dir = dir
    }

    private func launch() throws {
        let out = Pipe()
        process.executableURL = URL(fileURLWithPath: binary)
        // Port 0: the OS picks a free port; the server prints the address it bound.
        process.arguments = ["--db", db, "--json", "serve", "--addr", "127.0.0.1:0"]
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Lets scripts/test-swift.sh stop the server even if the test process is killed.
        if let pids = ProcessInfo.processInfo.environment["NYCKEL_IDP_PIDS"] {
            let file = URL(fileURLWithPath: pids).appendingPathComponent("\(process.processIdentifier)")
            try? FileManager.default.createDirectory(atPath: pids, withIntermediateDirectories: true)
            try? "\(process.processIdentifier)".write(to: file, atomically: true, encoding: .utf8)
            pidFile = file
        }
        var text = ""
        while !text.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { throw IdpError.failed("nyckel-idp serve exited before listening") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let json = try Self.object(text)
        guard let listening = json["listening"] as? String else { throw IdpError.failed("no address in \(text)") }
        origin = "http://\(listening)"
        // The port is bound before the database is set up: one request waits until it is.
        _ = try URLSessionHttpClient().execute(request: HttpRequest(
            method: "GET", url: "\(origin)/nyckel/v1/time?nonce=AAAAAAAAAAAAAAAAAAAAAA", headers: [], body: Data()))
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        if let pidFile { try? FileManager.default.removeItem(at: pidFile) }
        try? FileManager.default.removeItem(at: dir)
    }

    enum IdpError: Error { case failed(String) }

    /// Runs `nyckel-idp --db DB --origin ORIGIN --json ARGS…` and returns its JSON object.
    @discardableResult
    func cli(_ args: [String]) throws -> [String: Any] {
        let p = Process()
        let out = Pipe()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["--db", db, "--origin", origin, "--json"] + args
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else { throw IdpError.failed("nyckel-idp \(args.joined(separator: " ")): \(text)") }
        return try Self.object(text)
    }

    /// Adds a user; returns the enrollment URI (the QR code's text).
    func addUser(_ name: String, totp: Bool = false) throws -> String {
        let json = try cli(["user", "add", name, "--password", "lösenord"] + (totp ? ["--totp"] : []))
        return json["enrollUri"] as! String
    }

    /// A sign-in as the sign-in page starts it: the request id and the number it shows.
    struct SignIn {
        let id: String
        let number: UInt8
    }

    func startSignIn(_ name: String, passwordless: Bool = false, app: String = "Webbmejl",
                     ip: String = "203.0.113.7", location: String = "Malmö, SE") throws -> SignIn {
        var args = ["signin", "start", name, "--app", app, "--ip", ip, "--location", location]
        if passwordless { args.append("--passwordless") }
        let json = try cli(args)
        return SignIn(id: json["id"] as! String, number: UInt8(Self.int(json["number"])!))
    }

    func status(_ id: String) throws -> String {
        try cli(["signin", "status", id])["state"] as! String
    }

    func devices(_ name: String) throws -> [[String: Any]] {
        try cli(["device", "list", name])["devices"] as! [[String: Any]]
    }

    /// A JSON number (JSONSerialization gives NSNumber on Apple, Int or NSNumber elsewhere).
    static func int(_ value: Any?) -> Int? {
        (value as? Int) ?? (value as? NSNumber)?.intValue
    }

    private static func object(_ text: String) throws -> [String: Any] {
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        guard let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw IdpError.failed("not a JSON object: \(text)")
        }
        return json
    }
}

/// The device-key store implemented in Swift: P-256 keys, ECDSA/SHA-256 DER signatures,
/// SEC1 uncompressed public keys — CryptoKit on Apple platforms (`P256.Signing`; the app
/// uses the Secure Enclave variant), OpenSSL's libcrypto on Linux.
///
/// User-verification keys are gated **inside `sign`** by `pinPrompt`: a PIN check standing
/// in for the Secure Enclave key's `SecAccessControl(.biometryCurrentSet)`, where iOS shows
/// Face ID itself when the key signs. `nil` means the user dismissed the prompt.
final class SwiftDeviceKeyStore: DeviceKeyStore, @unchecked Sendable {
    static let pin = "2468"

    private let lock = NSLock()
    private var keys: [String: (key: P256Key, userVerification: Bool)] = [:]
    private var _pinPrompt: () -> String? = { SwiftDeviceKeyStore.pin }
    private var _beforeOperation: (String) throws -> Void = { _ in }
    private var _prompts = 0
    private var _uvSignatures = 0
    private var _attest: ((Data, Data) -> [Data])?
    private var _attestedChallenges: [Data] = []

    var pinPrompt: () -> String? {
        get { lock.lock(); defer { lock.unlock() }; return _pinPrompt }
        set { lock.lock(); _pinPrompt = newValue; lock.unlock() }
    }
    /// Runs before every key operation (to fail it, or to call back into Nyckel).
    var beforeOperation: (String) throws -> Void {
        get { lock.lock(); defer { lock.unlock() }; return _beforeOperation }
        set { lock.lock(); _beforeOperation = newValue; lock.unlock() }
    }
    /// How `createAttestedKey` attests a new key (challenge, SEC1 public key → evidence); nil,
    /// the default: this store cannot attest.
    var attest: ((Data, Data) -> [Data])? {
        get { lock.lock(); defer { lock.unlock() }; return _attest }
        set { lock.lock(); _attest = newValue; lock.unlock() }
    }
    /// The challenges `createAttestedKey` was asked to attest, in order.
    var attestedChallenges: [Data] { lock.lock(); defer { lock.unlock() }; return _attestedChallenges }
    var prompts: Int { lock.lock(); defer { lock.unlock() }; return _prompts }
    var uvSignatures: Int { lock.lock(); defer { lock.unlock() }; return _uvSignatures }
    var aliases: Set<String> { lock.lock(); defer { lock.unlock() }; return Set(keys.keys) }

    func createKey(alias: String, userVerification: Bool) throws -> Data {
        try beforeOperation("create")
        let key = try P256Key()
        lock.lock()
        defer { lock.unlock() }
        guard keys[alias] == nil else { throw DeviceKeyError.AlreadyExists }
        keys[alias] = (key, userVerification)
        return key.publicKey
    }

    func createAttestedKey(alias: String, challenge: Data) throws -> AttestedKey? {
        try beforeOperation("createAttested")
        guard let attest else { return nil }
        let publicKey = try createKey(alias: alias, userVerification: true)
        lock.lock()
        _attestedChallenges.append(challenge)
        lock.unlock()
        return AttestedKey(publicKey: publicKey, format: .appleAppAttest, chain: attest(challenge, publicKey))
    }

    func publicKey(alias: String) throws -> Data {
        try beforeOperation("publicKey")
        return try entry(alias).key.publicKey
    }

    func sign(alias: String, message: Data) throws -> Data {
        try beforeOperation("sign")
        let (key, userVerification) = try entry(alias)
        if userVerification {
            lock.lock()
            _prompts += 1
            let prompt = _pinPrompt
            lock.unlock()
            guard let pin = prompt() else { throw DeviceKeyError.UserCancelled } // outside our lock
            guard pin == Self.pin else { throw DeviceKeyError.UserVerificationFailed }
            lock.lock()
            _uvSignatures += 1
            lock.unlock()
        }
        return try key.sign(message)
    }

    func deleteKey(alias: String) throws {
        lock.lock()
        keys[alias] = nil
        lock.unlock()
    }

    private func entry(_ alias: String) throws -> (key: P256Key, userVerification: Bool) {
        lock.lock()
        defer { lock.unlock() }
        guard let e = keys[alias] else { throw DeviceKeyError.NotFound }
        return e
    }
}

#if canImport(CryptoKit)
/// A P-256 signing key (CryptoKit).
final class P256Key: @unchecked Sendable {
    private let key = P256.Signing.PrivateKey()

    init() throws {}

    /// SEC1 uncompressed point (65 bytes).
    var publicKey: Data { key.publicKey.x963Representation }

    /// ECDSA over SHA-256 of `message`, DER.
    func sign(_ message: Data) throws -> Data {
        do { return try key.signature(for: message).derRepresentation } catch {
            throw DeviceKeyError.Other(reason: "signing failed")
        }
    }
}
#else
/// A P-256 signing key (libcrypto EVP_PKEY).
final class P256Key: @unchecked Sendable {
    private let pkey: OpaquePointer

    init() throws {
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nil) else { throw DeviceKeyError.Unavailable(reason: "libcrypto") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1,
              EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, NID_X9_62_prime256v1) == 1,
              EVP_PKEY_keygen(ctx, &key) == 1, let key else {
            throw DeviceKeyError.Unavailable(reason: "P-256 key generation failed")
        }
        pkey = key
    }

    deinit { EVP_PKEY_free(pkey) }

    /// SEC1 uncompressed point (65 bytes): OpenSSL's default encoding of an EC public key.
    var publicKey: Data {
        var buf = [UInt8](repeating: 0, count: 65)
        var len = 0
        guard EVP_PKEY_get_octet_string_param(pkey, "pub", &buf, buf.count, &len) == 1, len == 65 else { return Data() }
        return Data(buf)
    }

    /// ECDSA over SHA-256 of `message`, DER (`ECDSA-Sig-Value`), via EVP_DigestSign.
    func sign(_ message: Data) throws -> Data {
        guard let md = EVP_MD_CTX_new() else { throw DeviceKeyError.Unavailable(reason: "libcrypto") }
        defer { EVP_MD_CTX_free(md) }
        let msg = [UInt8](message)
        var len = 0
        guard EVP_DigestSignInit(md, nil, EVP_sha256(), nil, pkey) == 1,
              EVP_DigestSign(md, nil, &len, msg, msg.count) == 1 else {
            throw DeviceKeyError.Other(reason: "signing failed")
        }
        var sig = [UInt8](repeating: 0, count: len)
        guard EVP_DigestSign(md, &sig, &len, msg, msg.count) == 1 else { throw DeviceKeyError.Other(reason: "signing failed") }
        return Data(sig[0..<len])
    }
}
#endif

/// Never follows a redirect: a 3xx is returned as the response.
private final class NoRedirects: NSObject, URLSessionTaskDelegate {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

/// The HTTP client implemented in Swift with URLSession, blocking the calling thread on a
/// semaphore (Nyckel calls it synchronously, off the main thread): no redirects, a timeout,
/// every status returned as a response, the body capped at 256 KiB + 1 byte,
/// `HttpError.Unreachable` only when no response arrived.
final class URLSessionHttpClient: HttpClient, @unchecked Sendable {
    private let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
    private let lock = NSLock()
    private var _offline = false
    private var _beforeExecute: (HttpRequest) throws -> Void = { _ in }
    private var _requests = 0

    var offline: Bool {
        get { lock.lock(); defer { lock.unlock() }; return _offline }
        set { lock.lock(); _offline = newValue; lock.unlock() }
    }
    var beforeExecute: (HttpRequest) throws -> Void {
        get { lock.lock(); defer { lock.unlock() }; return _beforeExecute }
        set { lock.lock(); _beforeExecute = newValue; lock.unlock() }
    }
    var requests: Int { lock.lock(); defer { lock.unlock() }; return _requests }

    func execute(request: HttpRequest) throws -> HttpResponse {
        try beforeExecute(request)
        if offline { throw HttpError.Unreachable(reason: "network is unreachable") }
        lock.lock()
        _requests += 1
        lock.unlock()
        guard let url = URL(string: request.url) else { throw HttpError.Unreachable(reason: "invalid URL") }
        var r = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: 15)
        r.httpMethod = request.method
        for h in request.headers { r.addValue(h.value, forHTTPHeaderField: h.name) }
        if !request.body.isEmpty { r.httpBody = request.body }
        let done = DispatchSemaphore(value: 0)
        let result = Locked<(Data?, URLResponse?, Error?)>((nil, nil, nil))
        session.dataTask(with: r) { data, response, error in
            result.value = (data, response, error)
            done.signal()
        }.resume()
        done.wait()
        let (data, response, error) = result.value
        guard let http = response as? HTTPURLResponse else {
            throw HttpError.Unreachable(reason: error.map { "\($0.localizedDescription)" } ?? "no response")
        }
        let headers = http.allHeaderFields.compactMap { k, v -> HttpHeader? in
            guard let k = k as? String else { return nil }
            return HttpHeader(name: k, value: "\(v)")
        }
        let body = (data ?? Data()).prefix(256 * 1024 + 1)
        return HttpResponse(status: UInt16(http.statusCode), headers: headers, body: Data(body))
    }
}

/// A value behind a lock.
final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: T
    init(_ value: T) { _value = value }
    var value: T {
        get { lock.lock(); defer { lock.unlock() }; return _value }
        set { lock.lock(); _value = newValue; lock.unlock() }
    }
}
