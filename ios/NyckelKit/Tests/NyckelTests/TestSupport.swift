import Foundation
@testable import Nyckel

#if canImport(CryptoKit)
import CryptoKit
#else
import COpenSSLCrypto
#endif

enum TestSupport {
    static let passphrase = "correct horse battery"

    /// A fresh path for a vault file (the file itself does not exist yet).
    static func vaultPath() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nyckel-swift-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("vault.nyckel").path
    }

    /// A new vault with the cheapest accepted Argon2id cost (keeps the suite fast).
    static func newVault(path: String = vaultPath(), passphrase: String = passphrase) throws -> NyckelVault {
        try NyckelVault.create(path: path, passphrase: passphrase, kdf: kdfMinimum())
    }

    /// RFC 4648 base32 (no padding).
    static func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = ""
        var buffer = 0
        var bits = 0
        for b in bytes {
            buffer = (buffer << 8) | Int(b)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
            buffer &= (1 << bits) - 1
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return out
    }

    static func randomSecret() -> String {
        base32((0..<20).map { _ in UInt8.random(in: 0...255) })
    }

    static func totpUri(_ secret: String, issuer: String = "ACME", name: String = "jane") -> String {
        "otpauth://totp/\(issuer):\(name)?secret=\(secret)&issuer=\(issuer)"
    }
}

/// The vault-key protector implemented in Swift, for the tests: AES-256-GCM under a key held
/// in memory (CryptoKit on Apple platforms, OpenSSL's libcrypto on Linux, where CryptoKit
/// does not exist), with a scriptable "prompt".
///
/// The real iOS implementation keeps the wrapping key in the Secure Enclave / Keychain,
/// created with `SecAccessControlCreateWithFlags(…, .biometryCurrentSet)`: `wrap` encrypts
/// with `SecKeyCreateEncryptedData` (ECIES to the enclave key's public half) and `unwrap`
/// decrypts with `SecKeyCreateDecryptedData`, which is where iOS itself shows Face ID /
/// Touch ID. Cancelling maps to `KeyProtectorError.UserCancelled`, a key deleted or
/// invalidated by new biometrics (`errSecItemNotFound`, `errSecAuthFailed`) to
/// `.KeyInvalidated`, `errSecInteractionNotAllowed` (device locked) to `.Unavailable`.
final class TestKeyProtector: VaultKeyProtector, @unchecked Sendable {
    private let key: [UInt8]
    private let lock = NSLock()
    private var _onPrompt: () throws -> Void
    private var _prompts = 0

    init(onPrompt: @escaping () throws -> Void = {}) {
        key = (0..<32).map { _ in UInt8.random(in: 0...255) }
        _onPrompt = onPrompt
    }

    var onPrompt: () throws -> Void {
        get { lock.lock(); defer { lock.unlock() }; return _onPrompt }
        set { lock.lock(); _onPrompt = newValue; lock.unlock() }
    }

    var prompts: Int { lock.lock(); defer { lock.unlock() }; return _prompts }

    private func prompt() throws {
        lock.lock()
        _prompts += 1
        let action = _onPrompt
        lock.unlock()
        try action() // outside our lock: the action may call back into the vault
    }

    func wrap(vaultKey: Data) throws -> Data {
        try prompt()
        return try Self.seal(key: key, plaintext: [UInt8](vaultKey))
    }

    func unwrap(wrappedKey: Data) throws -> Data {
        try prompt()
        return try Self.open(key: key, sealed: [UInt8](wrappedKey))
    }

    // Format: 0x01 | 12-byte nonce | ciphertext | 16-byte tag.
    private static let format: UInt8 = 1

#if canImport(CryptoKit)
    static func seal(key: [UInt8], plaintext: [UInt8]) throws -> Data {
        do {
            let box = try AES.GCM.seal(plaintext, using: SymmetricKey(data: key))
            return Data([format]) + box.nonce.withUnsafeBytes { Data($0) } + box.ciphertext + box.tag
        } catch {
            throw KeyProtectorError.Failed(reason: "AES-GCM seal failed")
        }
    }

    static func open(key: [UInt8], sealed: [UInt8]) throws -> Data {
        guard sealed.count >= 1 + 12 + 16, sealed[0] == format else {
            throw KeyProtectorError.Failed(reason: "wrapped key has an unknown format")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: Data(sealed.dropFirst()))
            return try AES.GCM.open(box, using: SymmetricKey(data: key))
        } catch {
            throw KeyProtectorError.KeyInvalidated
        }
    }
#else
    private static let ctrlGetTag: Int32 = 0x10 // EVP_CTRL_GCM_GET_TAG
    private static let ctrlSetTag: Int32 = 0x11 // EVP_CTRL_GCM_SET_TAG

    static func seal(key: [UInt8], plaintext: [UInt8]) throws -> Data {
        var nonce = [UInt8](repeating: 0, count: 12)
        guard RAND_bytes(&nonce, 12) == 1, let ctx = EVP_CIPHER_CTX_new() else {
            throw KeyProtectorError.Failed(reason: "libcrypto unavailable")
        }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: plaintext.count + 16)
        var len: Int32 = 0
        var finLen: Int32 = 0
        var tag = [UInt8](repeating: 0, count: 16)
        let ok = out.withUnsafeMutableBufferPointer { buf -> Bool in
            EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, nonce) == 1
                && EVP_EncryptUpdate(ctx, buf.baseAddress, &len, plaintext, Int32(plaintext.count)) == 1
                && EVP_EncryptFinal_ex(ctx, buf.baseAddress! + Int(len), &finLen) == 1
                && EVP_CIPHER_CTX_ctrl(ctx, ctrlGetTag, 16, &tag) == 1
        }
        guard ok else { throw KeyProtectorError.Failed(reason: "AES-GCM seal failed") }
        return Data([format] + nonce + out[0..<Int(len + finLen)] + tag)
    }

    static func open(key: [UInt8], sealed: [UInt8]) throws -> Data {
        guard sealed.count >= 1 + 12 + 16, sealed[0] == format, let ctx = EVP_CIPHER_CTX_new() else {
            throw KeyProtectorError.Failed(reason: "wrapped key has an unknown format")
        }
        defer { EVP_CIPHER_CTX_free(ctx) }
        let nonce = Array(sealed[1..<13])
        let body = Array(sealed[13..<(sealed.count - 16)])
        var tag = Array(sealed[(sealed.count - 16)...])
        var out = [UInt8](repeating: 0, count: body.count + 16)
        var len: Int32 = 0
        var finLen: Int32 = 0
        let started = out.withUnsafeMutableBufferPointer { buf -> Bool in
            EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, nonce) == 1
                && EVP_DecryptUpdate(ctx, buf.baseAddress, &len, body, Int32(body.count)) == 1
                && EVP_CIPHER_CTX_ctrl(ctx, ctrlSetTag, 16, &tag) == 1
        }
        guard started else { throw KeyProtectorError.Failed(reason: "AES-GCM open failed") }
        // A tag that does not verify: another key wrapped this (the platform key changed).
        let verified = out.withUnsafeMutableBufferPointer { buf in
            EVP_DecryptFinal_ex(ctx, buf.baseAddress! + Int(len), &finLen) == 1
        }
        guard verified else { throw KeyProtectorError.KeyInvalidated }
        return Data(out[0..<Int(len + finLen)])
    }
#endif
}

/// Runs `body` on another thread and fails (instead of hanging the suite) after `seconds`.
func withDeadline(_ seconds: Double, _ body: @escaping @Sendable () throws -> Void) throws {
    let done = DispatchSemaphore(value: 0)
    let result = ResultBox()
    Thread.detachNewThread {
        do { try body() } catch { result.set(error) }
        done.signal()
    }
    guard done.wait(timeout: .now() + seconds) == .success else {
        throw DeadlineExceeded()
    }
    if let error = result.get() { throw error }
}

struct DeadlineExceeded: Error {}

final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?
    func set(_ e: Error) { lock.lock(); error = e; lock.unlock() }
    func get() -> Error? { lock.lock(); defer { lock.unlock() }; return error }
}

/// A thread-safe list for the concurrency tests.
final class Collected<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func append(_ item: T) { lock.lock(); items.append(item); lock.unlock() }
    var all: [T] { lock.lock(); defer { lock.unlock() }; return items }
}
