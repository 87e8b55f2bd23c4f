import Foundation
import Nyckel
import SwiftUI

/// The one vault and whether it is open (mirrors the Android `VaultSession` + `AppGraph`).
/// UI state on the main actor; every Nyckel call through [call] on the [Blocking] queue.
@MainActor
final class AppModel: ObservableObject {
    enum State: Equatable {
        case loading, noVault, locked(hasBiometricKey: Bool), unlocked, broken(Problem)
    }

    @Published private(set) var state: State = .loading
    /// From a notification tap; consumed by the approval screen.
    @Published var pendingRequestId: String?
    /// An otpauth:// or nyckel-enroll:// link the app was opened with.
    @Published var incomingLink: ScannedCode?
    /// The scanned code handed from the scanner to the preview/enrollment screen (memory only).
    var scanned: ScannedCode?

    @AppStorage("lockTimeoutSeconds") var lockTimeout: Double = AutoLockPolicy.defaultSeconds
    @AppStorage("recoveryPassphraseSet") var recoveryPassphraseSet = false
    @AppStorage("pushToken") var pushToken = ""

    let deviceKeys = SecureEnclaveDeviceKeyStore()
    private let http = URLSessionHttpClient()
    private var vault: NyckelVault?
    private var approvalsInstance: NyckelApprovals?
    private var autoLock = AutoLockPolicy(timeout: AutoLockPolicy.defaultSeconds)

    /// Face ID is shown by the Secure Enclave itself inside `unwrap` (SecKeyCreateDecryptedData).
    nonisolated static func protector() -> SecureEnclaveKeyProtector {
        SecureEnclaveKeyProtector(prompt: String(localized: "Unlock Nyckel"))
    }

    func load() async {
        guard vault == nil else { return }
        do {
            try VaultStorage.prepare()
            guard VaultStorage.exists else { state = .noVault; return }
            let path = VaultStorage.vaultURL.path
            let v = try await Blocking.run { try NyckelVault.open(path: path) }
            vault = v
            state = .locked(hasBiometricKey: (try? await Blocking.run { try v.hasPlatformKey() }) ?? false)
        } catch {
            state = .broken(Problem.of(error))
        }
    }

    func createWithBiometrics() async throws {
        let path = VaultStorage.vaultURL.path
        vault = try await Blocking.run { try NyckelVault.createWithProtector(path: path, protector: Self.protector()) }
        state = .unlocked
    }

    func createWithPassphrase(_ passphrase: String) async throws {
        let path = VaultStorage.vaultURL.path
        vault = try await Blocking.run { try NyckelVault.create(path: path, passphrase: passphrase) }
        recoveryPassphraseSet = true
        state = .unlocked
    }

    func unlockWithBiometrics() async throws {
        let v = try requireVault()
        try await Blocking.run { try v.unlockWithProtector(protector: Self.protector()) }
        state = .unlocked
    }

    func unlockWithPassphrase(_ passphrase: String) async throws {
        let v = try requireVault()
        try await Blocking.run { try v.unlockWithPassphrase(passphrase: passphrase) }
        state = .unlocked
    }

    /// A fresh Secure Enclave key and platform slot (after KeyInvalidated, or "turn on").
    func reenrolBiometrics() async throws {
        let v = try requireVault()
        try await Blocking.run {
            let protector = Self.protector()
            protector.deleteKey()
            try v.enablePlatformKey(protector: protector)
        }
    }

    func disableBiometrics() async throws {
        let v = try requireVault()
        try await Blocking.run {
            try v.disablePlatformKey()
            Self.protector().deleteKey()
        }
    }

    func lock() {
        guard let v = vault, state == .unlocked else { return }
        state = .locked(hasBiometricKey: true)
        Task {
            try? await Blocking.run { try v.lock() }
            let has = (try? await Blocking.run { try v.hasPlatformKey() }) ?? true
            state = .locked(hasBiometricKey: has)
        }
    }

    /// A Nyckel call off the main thread; `Locked` sends the app to the lock screen.
    func call<T>(_ body: @escaping @Sendable (NyckelVault) throws -> T) async throws -> T {
        let v = try requireVault()
        do {
            return try await Blocking.run { try body(v) }
        } catch NyckelError.Locked {
            if state == .unlocked { state = .locked(hasBiometricKey: true) }
            throw NyckelError.Locked
        }
    }

    func approvals() throws -> NyckelApprovals {
        if let a = approvalsInstance { return a }
        let a = NyckelApprovals(vault: try requireVault(), deviceKeys: deviceKeys, http: http)
        approvalsInstance = a
        return a
    }

    /// Deletes the vault, its key and the device keys (KeyInvalidated without a passphrase).
    func reset() async {
        let v = vault
        vault = nil
        approvalsInstance = nil
        _ = try? await Blocking.run {
            v?.closeVault()
            VaultStorage.delete()
            Self.protector().deleteKey()
        }
        deviceKeys.deleteAll()
        recoveryPassphraseSet = false
        state = .noVault
    }

    func scenePhaseChanged(_ phase: ScenePhase) {
        autoLock.timeout = lockTimeout
        switch phase {
        case .background: autoLock.onBackground(now: ProcessInfo.processInfo.systemUptime)
            if lockTimeout == 0 { lock() }
        case .active: if autoLock.onForeground(now: ProcessInfo.processInfo.systemUptime) { lock() }
        default: break
        }
    }

    func open(url: URL) {
        let code = ScannedCode.classify(url.absoluteString)
        if code.isUsable { incomingLink = code }
    }

    func pushTokenChanged(_ token: String) {
        pushToken = token
        guard state == .unlocked, let a = try? approvals() else { return }
        Task { _ = try? await Blocking.run { try a.updatePushToken(token: token) } }
    }

    private func requireVault() throws -> NyckelVault {
        guard let vault else { throw NyckelError.Closed }
        return vault
    }
}
