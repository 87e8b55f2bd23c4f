import DeviceCheck
import Foundation
import LocalAuthentication
import Nyckel
import Security

/// What the next Face ID prompt of a device-key signature is for (set around the Nyckel call;
/// the key store runs synchronously inside it, on the same task).
enum DeviceKeyPurpose {
    case approveSignIn, enablePhoneSignin
    @TaskLocal static var current: DeviceKeyPurpose = .approveSignIn
}

/// Device keys for push approvals (protocol §2) in the Secure Enclave: P-256, never
/// exportable. Device keys (`userVerification == false`) sign without a prompt
/// (`.privateKeyUsage` only); phone-sign-in keys add `.biometryCurrentSet`, so the Secure
/// Enclave itself shows Face ID / Touch ID inside `SecKeyCreateSignature`. A change of enrolled
/// biometrics makes such a key unusable for good; the signature then fails with an error that
/// does not say so, so the biometry domain state is recorded beside each phone-sign-in key
/// (NyckelKit's `BiometryStateStore`) and a failure after a change is reported as `NotFound`
/// — the contract for a key that can never be used again (the user turns phone sign-in on
/// again), not `UserVerificationFailed` ("try again"). Signatures are
/// `ecdsaSignatureMessageX962SHA256`: DER, SHA-256 applied by the enclave.
///
/// `createAttestedKey` makes the phone-sign-in key as `createKey` does and adds Apple App Attest
/// (protocol §4.4): a new App Attest key attests a `clientDataHash` that names the provider's
/// challenge and this key (`appAttestClientDataHash`, computed by Nyckel), proving that the
/// genuine Nyckel app on a genuine device asked. Where App Attest is not supported (the
/// simulator, a Mac without it) or fails, the key is deleted and nil returned: Nyckel then
/// creates the key without attestation (a provider that requires it refuses it).
///
/// Nyckel calls this synchronously on the thread of the approvals call ([Blocking]'s queue),
/// so blocking on Face ID — and on App Attest's completion handlers — here is fine.
final class SecureEnclaveDeviceKeyStore: DeviceKeyStore, @unchecked Sendable {
    private static let prefix = "app.nyckel.device."

    func createKey(alias: String, userVerification: Bool) throws -> Data {
        if try find(alias, prompt: nil) != nil { throw DeviceKeyError.AlreadyExists }
        var error: Unmanaged<CFError>?
        let flags: SecAccessControlCreateFlags = userVerification ? [.privateKeyUsage, .biometryCurrentSet] : [.privateKeyUsage]
        guard let access = SecAccessControlCreateWithFlags(nil, kSecAttrAccessibleWhenUnlockedThisDeviceOnly, flags, &error) else {
            throw Self.map(error?.takeRetainedValue())
        }
        let attributes: [CFString: Any] = [
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits: 256,
            kSecAttrTokenID: kSecAttrTokenIDSecureEnclave,
            kSecPrivateKeyAttrs: [
                kSecAttrIsPermanent: true,
                kSecAttrApplicationTag: Self.tag(alias),
                kSecAttrAccessControl: access,
            ] as [CFString: Any],
        ]
        guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
            throw Self.map(error?.takeRetainedValue(), creatingUV: userVerification)
        }
        if userVerification { BiometryStateStore.recordCurrent(tag: Self.tagName(alias)) } else { BiometryStateStore.forget(tag: Self.tagName(alias)) }
        return try Self.sec1(of: key)
    }

    func createAttestedKey(alias: String, challenge: Data) throws -> AttestedKey? {
        let service = DCAppAttestService.shared
        guard service.isSupported else { return nil }
        let publicKey = try createKey(alias: alias, userVerification: true)
        guard let object = Self.appAttest(service, clientDataHash: appAttestClientDataHash(challenge: challenge, publicKey: publicKey)) else {
            try deleteKey(alias: alias)
            return nil
        }
        return AttestedKey(publicKey: publicKey, format: .appleAppAttest, chain: [object])
    }

    /// A new App Attest key's attestation of `clientDataHash`, waiting for Apple's servers
    /// (at most a minute); nil when App Attest fails.
    private static func appAttest(_ service: DCAppAttestService, clientDataHash: Data) -> Data? {
        /// One answer of a completion handler, read after the semaphore says it was written.
        final class Answer<T>: @unchecked Sendable { var value: T? }
        let done = DispatchSemaphore(value: 0)
        let keyId = Answer<String>()
        service.generateKey { id, _ in keyId.value = id; done.signal() }
        guard done.wait(timeout: .now() + 60) == .success, let id = keyId.value else { return nil }
        let object = Answer<Data>()
        service.attestKey(id, clientDataHash: clientDataHash) { data, _ in object.value = data; done.signal() }
        guard done.wait(timeout: .now() + 60) == .success else { return nil }
        return object.value
    }

    func publicKey(alias: String) throws -> Data {
        guard let key = try find(alias, prompt: nil) else { throw DeviceKeyError.NotFound }
        return try Self.sec1(of: key)
    }

    func sign(alias: String, message: Data) throws -> Data {
        let prompt: String
        switch DeviceKeyPurpose.current {
        case .approveSignIn: prompt = String(localized: "Confirm the sign-in")
        case .enablePhoneSignin: prompt = String(localized: "Turn on phone sign-in")
        }
        guard let key = try find(alias, prompt: prompt) else { throw DeviceKeyError.NotFound }
        // Only phone-sign-in keys have a record; for device keys this decides nothing.
        let biometry = BiometryStateStore.check(tag: Self.tagName(alias))
        var error: Unmanaged<CFError>?
        guard let signature = SecKeyCreateSignature(key, .ecdsaSignatureMessageX962SHA256, message as CFData, &error) else {
            let failure = Self.map(error?.takeRetainedValue())
            if biometry.invalidatesKey(failureWasCancel: failure == .UserCancelled) { throw DeviceKeyError.NotFound }
            throw failure
        }
        if let state = biometry.stateToRecordAfterSuccess(keyUsesBiometry: false) {
            BiometryStateStore.record(state, tag: Self.tagName(alias))
        }
        return signature as Data
    }

    func deleteKey(alias: String) throws {
        let status = SecItemDelete([kSecClass: kSecClassKey, kSecAttrApplicationTag: Self.tag(alias)] as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else { throw DeviceKeyError.Other(reason: "OSStatus \(status)") }
        BiometryStateStore.forget(tag: Self.tagName(alias))
    }

    /// Deletes every device key of this app (after a reset).
    func deleteAll() {
        defer { BiometryStateStore.forgetAll(prefix: Self.prefix) }
        let query: [CFString: Any] = [kSecClass: kSecClassKey, kSecAttrTokenID: kSecAttrTokenIDSecureEnclave, kSecReturnAttributes: true, kSecMatchLimit: kSecMatchLimitAll]
        var items: CFTypeRef?
        guard SecItemCopyMatching(query as CFDictionary, &items) == errSecSuccess, let list = items as? [[CFString: Any]] else { return }
        for item in list {
            guard let tag = item[kSecAttrApplicationTag] as? Data, String(decoding: tag, as: UTF8.self).hasPrefix(Self.prefix) else { continue }
            SecItemDelete([kSecClass: kSecClassKey, kSecAttrApplicationTag: tag] as CFDictionary)
        }
    }

    private func find(_ alias: String, prompt: String?) throws -> SecKey? {
        var query: [CFString: Any] = [
            kSecClass: kSecClassKey,
            kSecAttrApplicationTag: Self.tag(alias),
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
            kSecReturnRef: true,
        ]
        if let prompt {
            let context = LAContext()
            context.localizedReason = prompt
            query[kSecUseAuthenticationContext] = context
        }
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess: return (item as! SecKey)
        case errSecItemNotFound: return nil
        default: throw Self.map(status: status)
        }
    }

    private static func tagName(_ alias: String) -> String { prefix + alias }
    private static func tag(_ alias: String) -> Data { Data(tagName(alias).utf8) }

    /// X9.63 uncompressed point = SEC1 uncompressed (65 bytes, 0x04 ‖ X ‖ Y).
    private static func sec1(of privateKey: SecKey) throws -> Data {
        var error: Unmanaged<CFError>?
        guard let pub = SecKeyCopyPublicKey(privateKey), let data = SecKeyCopyExternalRepresentation(pub, &error) as Data?,
              data.count == 65, data.first == 0x04
        else { throw DeviceKeyError.Other(reason: "the enclave returned no P-256 public key") }
        return data
    }

    private static func map(_ error: CFError?, creatingUV: Bool = false) -> DeviceKeyError {
        guard let error else { return .Other(reason: "unknown Security framework error") }
        let code = CFErrorGetCode(error)
        if CFErrorGetDomain(error) as String == LAErrorDomain {
            switch LAError.Code(rawValue: code) {
            case .userCancel, .appCancel, .systemCancel, .userFallback: return .UserCancelled
            case .authenticationFailed, .biometryLockout: return .UserVerificationFailed
            case .biometryNotAvailable, .biometryNotEnrolled, .passcodeNotSet:
                return .Unavailable(reason: "set up Face ID or Touch ID to use phone sign-in")
            default: return .Other(reason: "LAError \(code)")
            }
        }
        if creatingUV { return .Unavailable(reason: "could not create a Face ID key (OSStatus \(code))") }
        return map(status: OSStatus(code))
    }

    private static func map(status: OSStatus) -> DeviceKeyError {
        switch status {
        case errSecUserCanceled: return .UserCancelled
        case errSecAuthFailed: return .UserVerificationFailed
        case errSecItemNotFound: return .NotFound
        case errSecInteractionNotAllowed: return .Unavailable(reason: "the phone is locked")
        case errSecNotAvailable: return .Unavailable(reason: "the Secure Enclave is not available")
        default: return .Other(reason: "OSStatus \(status)")
        }
    }
}
