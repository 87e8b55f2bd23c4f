// Telling a Secure Enclave key that a Face ID / Touch ID change invalidated from one that
// failed for another reason.
//
// A key created with `.biometryCurrentSet` stops working for good when the enrolled faces or
// fingers change; but `SecKeyCreateDecryptedData` / `SecKeyCreateSignature` then fail with an
// error that says nothing of the kind (only a missing item is errSecItemNotFound). So the
// "domain state" of biometry (`LAContext.evaluatedPolicyDomainState`, an opaque value that
// changes exactly when the enrolled set changes) is recorded in the Keychain beside each such
// key when it is created, and compared when the key is used.
//
// The comparison only *explains* a failure: the key operation is still tried, and only when
// it fails (not cancelled by the user) while the state differs from the recorded one is the
// key reported as invalidated (`KeyProtectorError.KeyInvalidated`, `DeviceKeyError.NotFound`).
// A state that changed for some other reason therefore never turns a working key into
// "invalidated" — for the vault key that answer can lead the user to a reset.
//
// `BiometryChange` is plain Swift (tested on Linux); `BiometryStateStore` needs
// LocalAuthentication and the Keychain (Apple only, not compiled or run on the Linux machine
// this was written on).
import Foundation
#if canImport(LocalAuthentication) && canImport(Security)
import LocalAuthentication
import Security
#endif

/// The recorded and the current biometry domain state of one key.
public struct BiometryChange: Equatable, Sendable {
    /// Recorded when the key was created; nil for keys without biometry (or no record).
    public let recorded: Data?
    /// Now; nil when biometry cannot be evaluated (locked out, nothing enrolled, no
    /// permission), which decides nothing.
    public let current: Data?

    public init(recorded: Data?, current: Data?) {
        self.recorded = recorded
        self.current = current
    }

    /// The enrolled faces / fingers differ from those the key was made for.
    public var isChanged: Bool {
        guard let recorded, let current else { return false }
        return recorded != current
    }

    /// After the key operation failed: true when the failure means the key is gone for good.
    /// A cancelled prompt is the user's answer, never an invalidation.
    public func invalidatesKey(failureWasCancel: Bool) -> Bool {
        isChanged && !failureWasCancel
    }

    /// After the key operation succeeded: the state to record, or nil to leave the record as
    /// it is. A state that differs although the key still works changed for another reason,
    /// so the next failure is judged against the new one; a biometry key without a record
    /// (biometry could not be evaluated when it was made) gets one now.
    public func stateToRecordAfterSuccess(keyUsesBiometry: Bool) -> Data? {
        guard let current else { return nil }
        guard let recorded else { return keyUsesBiometry ? current : nil }
        return recorded == current ? nil : current
    }
}

#if canImport(LocalAuthentication) && canImport(Security)
/// The biometry domain state per key, kept as a Keychain item (this device only) named by
/// the key's application tag.
public enum BiometryStateStore {
    private static let service = "app.nyckel.biometry-state"

    /// The current domain state, or nil when biometry cannot be evaluated now.
    /// (`evaluatedPolicyDomainState` is only set after `canEvaluatePolicy` succeeded. iOS 18
    /// adds `domainState.biometry.stateHash`; it is not used, so a record made under iOS 17
    /// is compared with a value of the same kind after an update.)
    public static func current() -> Data? {
        let context = LAContext()
        var error: NSError?
        guard context.canEvaluatePolicy(.deviceOwnerAuthenticationWithBiometrics, error: &error) else { return nil }
        return context.evaluatedPolicyDomainState
    }

    /// Compares the record for `tag` with the current state (no prompt).
    public static func check(tag: String) -> BiometryChange {
        BiometryChange(recorded: recorded(tag: tag), current: current())
    }

    /// Records the current state for a key just created with `.biometryCurrentSet`.
    public static func recordCurrent(tag: String) {
        if let state = current() { record(state, tag: tag) } else { forget(tag: tag) }
    }

    public static func record(_ state: Data, tag: String) {
        forget(tag: tag)
        let item: [CFString: Any] = [
            kSecClass: kSecClassGenericPassword,
            kSecAttrService: service,
            kSecAttrAccount: tag,
            kSecAttrAccessible: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
            kSecValueData: state,
        ]
        SecItemAdd(item as CFDictionary, nil)
    }

    public static func recorded(tag: String) -> Data? {
        let query: [CFString: Any] = [
            kSecClass: kSecClassGenericPassword,
            kSecAttrService: service,
            kSecAttrAccount: tag,
            kSecReturnData: true,
            kSecMatchLimit: kSecMatchLimitOne,
        ]
        var item: CFTypeRef?
        guard SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess else { return nil }
        return item as? Data
    }

    public static func forget(tag: String) {
        SecItemDelete([kSecClass: kSecClassGenericPassword, kSecAttrService: service, kSecAttrAccount: tag] as CFDictionary)
    }

    /// Forgets the records of every key whose tag starts with `prefix`.
    public static func forgetAll(prefix: String) {
        let query: [CFString: Any] = [
            kSecClass: kSecClassGenericPassword,
            kSecAttrService: service,
            kSecReturnAttributes: true,
            kSecMatchLimit: kSecMatchLimitAll,
        ]
        var items: CFTypeRef?
        guard SecItemCopyMatching(query as CFDictionary, &items) == errSecSuccess, let list = items as? [[CFString: Any]] else { return }
        for item in list {
            if let account = item[kSecAttrAccount] as? String, account.hasPrefix(prefix) { forget(tag: account) }
        }
    }
}
#endif
