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

    @Published private(set) var state: State = .loading {
        didSet { stateChanged(from: oldValue) }
    }
    /// From a notification tap; consumed by the approval screen.
    @Published var pendingRequestId: String?
    /// An otpauth:// or nyckel-enroll:// link the app was opened with.
    @Published var incomingLink: ScannedCode?
    /// The first run's order (Logic/FirstRunFlow: recovery, the chosen restore or move, the
    /// offer of automatic backups), started when the vault is created and followed by the main
    /// view (`firstRunPath()`); cleared once done.
    private(set) var firstRun: FirstRunFlow?
    /// The scanned code handed from the scanner to the preview/enrollment screen (memory only;
    /// dropped when the vault locks).
    var scanned: ScannedCode?

    // Preferences. Not @AppStorage: inside an ObservableObject it does not publish changes, so
    // views reading these would not update. @Published, written through to UserDefaults.
    @Published var lockTimeout: Double = UserDefaults.standard.object(forKey: "lockTimeoutSeconds") as? Double ?? AutoLockPolicy.defaultSeconds {
        didSet { UserDefaults.standard.set(lockTimeout, forKey: "lockTimeoutSeconds") }
    }
    @Published var recoveryPassphraseSet: Bool = UserDefaults.standard.bool(forKey: "recoveryPassphraseSet") {
        didSet { UserDefaults.standard.set(recoveryPassphraseSet, forKey: "recoveryPassphraseSet") }
    }
    /// The APNs token as last registered ("" if none yet); sent with each enrollment.
    var pushToken: String {
        get { UserDefaults.standard.string(forKey: "pushToken") ?? "" }
        set { UserDefaults.standard.set(newValue, forKey: "pushToken") }
    }
    /// The token every provider last accepted (`updatePushToken`); see Logic/PushTokenSync.
    private var pushTokenSent: String? {
        get { UserDefaults.standard.string(forKey: "pushTokenSent") }
        set { UserDefaults.standard.set(newValue, forKey: "pushTokenSent") }
    }
    private var pushTokenSyncRunning = false

    /// Whether the vault has a platform (Face ID) key, as last seen: `lock()` shows the lock
    /// screen before the library can be asked, and must not guess "yes" for a passphrase-only
    /// vault (that would offer Unlock and run `unlockWithProtector`).
    private var hasPlatformKey = false

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
        // A transfer package shared by a run that was killed before the move finished.
        PhoneTransferExportFlow.clearShared(in: MoveOutModel.shareDirectory)
        guard vault == nil else { return }
        do {
            try VaultStorage.prepare()
            guard VaultStorage.exists else { state = .noVault; return }
            let path = VaultStorage.vaultURL.path
            let v = try await Blocking.run { try NyckelVault.open(path: path) }
            vault = v
            hasPlatformKey = (try? await Blocking.run { try v.hasPlatformKey() }) ?? false
            state = .locked(hasBiometricKey: hasPlatformKey)
        } catch {
            state = .broken(Problem.of(error))
        }
    }

    /// `intent`: what the user came to do (the welcome screen's restore / move choice).
    func createWithBiometrics(intent: FirstRunFlow.Intent) async throws {
        let path = VaultStorage.vaultURL.path
        vault = try await Blocking.run { try NyckelVault.createWithProtector(path: path, protector: Self.protector()) }
        hasPlatformKey = true
        // First run: a recovery code or passphrase next, then the restore or move, then the
        // backup offer. Set before the state changes, so the main view finds it.
        startFirstRun(intent: intent, passphrase: nil)
        state = .unlocked
    }

    func createWithPassphrase(_ passphrase: String, intent: FirstRunFlow.Intent) async throws {
        let path = VaultStorage.vaultURL.path
        vault = try await Blocking.run { try NyckelVault.create(path: path, passphrase: passphrase) }
        recoveryPassphraseSet = true
        hasPlatformKey = false
        // The passphrase is the recovery secret: no recovery step, it seals the backups.
        startFirstRun(intent: intent, passphrase: passphrase)
        state = .unlocked
    }

    private func startFirstRun(intent: FirstRunFlow.Intent, passphrase: String?) {
        let flow = FirstRunFlow(backups: FirstRunOffer(model: self))
        flow.choose(intent)
        flow.vaultCreated(passphrase: passphrase)
        firstRun = flow
    }

    /// The navigation path of the first run's current step; `[]` (the account list) once it is
    /// done or when there is none.
    func firstRunPath() -> [Route] {
        switch firstRun?.step {
        case .recovery?: return [.recoverySetup]
        case .restoring?: return [.restore]
        case .movingIn?: return [.moveIn]
        case .backupOffer?, .confirmReplace?: return [.firstRunBackup]
        case .welcome?, .done?, nil:
            firstRun = nil
            return []
        }
    }

    /// Leaving the restore or move screen: on with the first run if it is one (else the list).
    func pathAfterTransfer() -> [Route] {
        firstRun?.transferLeft()
        return firstRunPath()
    }

    func unlockWithBiometrics() async throws {
        let v = try requireVault()
        try await Blocking.run { try v.unlockWithProtector(protector: Self.protector()) }
        hasPlatformKey = true
        state = .unlocked
    }

    func unlockWithPassphrase(_ passphrase: String) async throws {
        let v = try requireVault()
        // A recovery code typed in any case or spacing is read as written (docs/recovery.md §5).
        try await Blocking.run { try v.unlockWithPassphrase(passphrase: RecoverySetupFlow.recoverySecret(passphrase)) }
        await refreshHasPlatformKey(v)
        state = .unlocked
    }

    /// A fresh Secure Enclave key and platform slot (after KeyInvalidated, or "turn on").
    func reenrolBiometrics() async throws {
        let v = try requireVault()
        do {
            try await Blocking.run {
                let protector = Self.protector()
                protector.deleteKey()
                try v.enablePlatformKey(protector: protector)
            }
        } catch {
            await refreshHasPlatformKey(v)
            throw error
        }
        await refreshHasPlatformKey(v)
    }

    func disableBiometrics() async throws {
        let v = try requireVault()
        try await Blocking.run {
            try v.disablePlatformKey()
            Self.protector().deleteKey()
        }
        hasPlatformKey = false
    }

    func lock() {
        guard let v = vault, state == .unlocked else { return }
        state = .locked(hasBiometricKey: hasPlatformKey)
        Task {
            try? await Blocking.run { try v.lock() }
            await refreshHasPlatformKey(v)
            // Unless the user unlocked (or reset) meanwhile.
            if case .locked = state { state = .locked(hasBiometricKey: hasPlatformKey) }
        }
    }

    /// Asks the library (it answers on a locked vault too); keeps the last answer on failure.
    private func refreshHasPlatformKey(_ v: NyckelVault) async {
        if let has = try? await Blocking.run({ try v.hasPlatformKey() }) { hasPlatformKey = has }
    }

    /// A Nyckel call off the main thread; `Locked` sends the app to the lock screen.
    func call<T>(_ body: @escaping @Sendable (NyckelVault) throws -> T) async throws -> T {
        let v = try requireVault()
        do {
            let result = try await Blocking.run { try body(v) }
            syncAutoBackup()
            return result
        } catch NyckelError.Locked {
            if state == .unlocked { state = .locked(hasBiometricKey: hasPlatformKey) }
            throw NyckelError.Locked
        }
    }

    /// What automatic backups keep (Logic/AutoBackupSettings).
    let autoBackupStore = DefaultsAutoBackupStore()
    private var autoBackupInstance: AutoBackupSettings?
    private var autoBackupQueued = false

    /// Automatic backups over the open vault and the folder the user chose (a bookmark).
    func autoBackup() throws -> AutoBackupSettings {
        if let a = autoBackupInstance { return a }
        let a = AutoBackupSettings(port: VaultAutoBackupPort(vault: try requireVault()), store: autoBackupStore) {
            try BookmarkedBackupFolder(bookmark: $0)
        }
        autoBackupInstance = a
        return a
    }

    /// Writes an automatic backup if the vault changed (after every library call and every
    /// unlock). When nothing was written since the last check (the 1 s code refresh) it is one
    /// change-stamp query, no fingerprint (NyckelKit `AutoBackup`). At most one waits; a failure
    /// is shown in Settings → Automatic backup and tried again next time.
    func syncAutoBackup() {
        guard state == .unlocked, autoBackupStore.sealedKey != nil, !autoBackupQueued,
              let a = try? autoBackup() else { return }
        autoBackupQueued = true
        Task {
            autoBackupQueued = false
            _ = try? await Blocking.run { _ = a.sync() }
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
        // The kept key was sealed under the deleted vault: automatic backups are off.
        autoBackupInstance = nil
        autoBackupStore.sealedKey = nil
        autoBackupStore.folder = nil
        autoBackupStore.folderName = nil
        autoBackupStore.lastFingerprint = nil
        _ = try? await Blocking.run {
            v?.closeVault()
            VaultStorage.delete()
            Self.protector().deleteKey()
        }
        deviceKeys.deleteAll()
        recoveryPassphraseSet = false
        pushTokenSent = nil
        hasPlatformKey = false
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

    /// APNs gave a token (at every launch, see AppDelegate; it may be a new one). Sent to the
    /// providers now if the vault is open, else after the next unlock.
    func pushTokenChanged(_ token: String) {
        pushToken = token
        syncPushToken()
    }

    /// Sends the current push token to every provider if they have not accepted it yet
    /// (Logic/PushTokenSync); needs the vault unlocked. Recorded only when `updatePushToken`
    /// succeeded for all of them; a failure is retried after the next unlock.
    private func syncPushToken() {
        guard state == .unlocked, !pushTokenSyncRunning,
              let token = PushTokenSync.needsSending(current: pushToken, lastSent: pushTokenSent),
              let a = try? approvals()
        else { return }
        pushTokenSyncRunning = true
        Task {
            let sent = (try? await Blocking.run { try a.updatePushToken(token: token) }) != nil
            pushTokenSyncRunning = false
            // A failure is not recorded: tried again after the next unlock.
            guard sent else { return }
            pushTokenSent = token
            syncPushToken() // a newer token may have arrived meanwhile
        }
    }

    private func stateChanged(from old: State) {
        if old == .unlocked, state != .unlocked { scanned = nil }
        if state == .unlocked, old != .unlocked {
            syncPushToken()
            syncAutoBackup()
        }
    }

    func requireVault() throws -> NyckelVault {
        guard let vault else { throw NyckelError.Closed }
        return vault
    }
}

/// The first run's backup offer over the open vault's automatic-backup settings (made when the
/// first run starts: the vault exists by then). Called on the FFI queue.
private struct FirstRunOffer: FirstRunFlow.Backups {
    let offer: SettingsFirstRunBackups?

    @MainActor init(model: AppModel) {
        offer = (try? model.autoBackup()).map { SettingsFirstRunBackups(settings: $0) { try BookmarkedBackupFolder(bookmark: $0) } }
    }

    func hasBackup(_ folder: Data) -> Bool { offer?.hasBackup(folder) ?? false }

    func turnOn(folder: Data, folderName: String, secret: String) -> Problem? {
        guard let offer else { return Problem(kind: .closed) }
        return offer.turnOn(folder: folder, folderName: folderName, secret: secret)
    }
}
