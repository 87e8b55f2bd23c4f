// The iOS vault-key protector: a Secure Enclave P-256 key whose private half can only be
// used after Face ID / Touch ID (or the device passcode), enforced by the Secure Enclave.
//
// wrap   = ECIES-encrypt the vault key to the enclave key's public half (no prompt);
// unwrap = SecKeyCreateDecryptedData with the private half: iOS itself shows the biometric
//          prompt as part of the key operation, so there is no "user authenticated" boolean
//          anyone could fake.
//
// A change of enrolled Face ID / Touch ID invalidates the key (`.biometryCurrentSet`), but the
// decryption then fails with an error that does not say so; the biometry domain state
// recorded beside the key when it was made tells this case apart (BiometryState.swift) and
// it is reported as `KeyInvalidated`, so the app offers the recovery passphrase.
//
// Only on Apple platforms (Security + LocalAuthentication); the Linux test build compiles it
// out and tests the same contract with TestKeyProtector instead. Not verified on this
// machine: see docs/mobile.md.
#if canImport(Security) && canImport(LocalAuthentication)
import Foundation
import LocalAuthentication
import Security

public final class SecureEnclaveKeyProtector: VaultKeyProtector, @unchecked Sendable {
    public static let defaultTag = "app.nyckel.vault-key-wrapper"
    private static let algorithm: SecKeyAlgorithm = .eciesEncryptionCofactorVariableIVX963SHA256AESGCM

    private let tag: Data
    private let tagName: String
    private let prompt: String

    /// - Parameters:
    ///   - tag: the Keychain application tag of the enclave key.
    ///   - prompt: the reason iOS shows in the Face ID / Touch ID sheet.
    public init(tag: String = SecureEnclaveKeyProtector.defaultTag, prompt: String) {
        self.tag = Data(tag.utf8)
        self.tagName = tag
        self.prompt = prompt
    }

    public func wrap(vaultKey: Data) throws -> Data {
        let privateKey = try existingKey() ?? createKey()
        guard let publicKey = SecKeyCopyPublicKey(privateKey) else {
            throw KeyProtectorError.Failed(reason: "the enclave key has no public key")
        }
        var error: Unmanaged<CFError>?
        guard let wrapped = SecKeyCreateEncryptedData(publicKey, Self.algorithm, vaultKey as CFData, &error) else {
            throw Self.map(error?.takeRetainedValue())
        }
        return wrapped as Data
    }

    public func unwrap(wrappedKey: Data) throws -> Data {
        guard let privateKey = try existingKey() else { throw KeyProtectorError.KeyInvalidated }
        let biometry = BiometryStateStore.check(tag: tagName)
        var error: Unmanaged<CFError>?
        guard let key = SecKeyCreateDecryptedData(privateKey, Self.algorithm, wrappedKey as CFData, &error) else {
            let failure = Self.map(error?.takeRetainedValue())
            // Face ID / Touch ID changed since the key was made: it can never decrypt again.
            if biometry.invalidatesKey(failureWasCancel: failure == .UserCancelled) { throw KeyProtectorError.KeyInvalidated }
            throw failure
        }
        if let state = biometry.stateToRecordAfterSuccess(keyUsesBiometry: true) { BiometryStateStore.record(state, tag: tagName) }
        return key as Data
    }

    /// Deletes the enclave key (after `disablePlatformKey()`, or to re-enrol).
    public func deleteKey() {
        SecItemDelete([kSecClass: kSecClassKey, kSecAttrApplicationTag: tag] as CFDictionary)
        BiometryStateStore.forget(tag: tagName)
    }

    private func existingKey() throws -> SecKey? {
        let context = LAContext()
        context.localizedReason = prompt
        let query: [CFString: Any] = [
            kSecClass: kSecClassKey,
            kSecAttrApplicationTag: tag,
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
            kSecReturnRef: true,
            kSecUseAuthenticationContext: context,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess: return (item as! SecKey)
        case errSecItemNotFound: return nil
        default: throw Self.map(status: status)
        }
    }

    private func createKey() throws -> SecKey {
        var error: Unmanaged<CFError>?
        guard let access = SecAccessControlCreateWithFlags(
            nil, kSecAttrAccessibleWhenUnlockedThisDeviceOnly, [.privateKeyUsage, .biometryCurrentSet], &error)
        else { throw Self.map(error?.takeRetainedValue()) }
        let attributes: [CFString: Any] = [
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits: 256,
            kSecAttrTokenID: kSecAttrTokenIDSecureEnclave,
            kSecPrivateKeyAttrs: [
                kSecAttrIsPermanent: true,
                kSecAttrApplicationTag: tag,
                kSecAttrAccessControl: access,
            ] as [CFString: Any],
        ]
        guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
            throw Self.map(error?.takeRetainedValue())
        }
        BiometryStateStore.recordCurrent(tag: tagName)
        return key
    }

    private static func map(_ error: CFError?) -> KeyProtectorError {
        guard let error else { return .Failed(reason: "unknown Security framework error") }
        let code = CFErrorGetCode(error)
        if CFErrorGetDomain(error) as String == LAErrorDomain {
            switch LAError.Code(rawValue: code) {
            case .userCancel, .appCancel, .systemCancel, .userFallback: return .UserCancelled
            case .biometryLockout, .biometryNotAvailable, .passcodeNotSet, .biometryNotEnrolled:
                return .Unavailable(reason: "LAError \(code)")
            default: return .Failed(reason: "LAError \(code)")
            }
        }
        return map(status: OSStatus(code))
    }

    private static func map(status: OSStatus) -> KeyProtectorError {
        switch status {
        case errSecUserCanceled: return .UserCancelled
        case errSecItemNotFound: return .KeyInvalidated
        case errSecInteractionNotAllowed: return .Unavailable(reason: "device locked (errSecInteractionNotAllowed)")
        default: return .Failed(reason: "OSStatus \(status)")
        }
    }
}
#endif
