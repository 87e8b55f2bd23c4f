import Foundation

// "Flytta till ny telefon" (docs/recovery.md §4) as two small state machines the app's views
// only draw: the old phone's (`PhoneTransferExportFlow`) and the new phone's
// (`PhoneTransferImportFlow`). Mirrors the Kotlin library's `PhoneTransferFlow.kt`; every
// decision is the library's. Each call that reaches the library blocks (network, Argon2id,
// Face ID for phone sign-in): call it off the main thread, one at a time. `onChange` runs on
// that thread at every step change, so a view can show "exporting" / "importing" meanwhile.

/// The library calls the transfer screens make; one protocol so the flows are tested without a provider.
public protocol PhoneTransferPort {
    func exportTransfer() throws -> PhoneTransferExport
    func importTransfer(package: Data, keyText: String, deviceName: String) throws -> PhoneTransferImport
    /// Checks that the bytes are a Nyckel backup-format file (a package is one) before asking for a key.
    func inspectPackage(_ package: Data) throws
}

/// `PhoneTransferPort` over `NyckelApprovals`: each method is one library call.
public struct ApprovalsTransferPort: PhoneTransferPort {
    let approvals: NyckelApprovals
    public init(_ approvals: NyckelApprovals) { self.approvals = approvals }
    public func exportTransfer() throws -> PhoneTransferExport { try approvals.exportPhoneTransfer() }
    public func importTransfer(package: Data, keyText: String, deviceName: String) throws -> PhoneTransferImport {
        try approvals.importPhoneTransfer(package: package, keyText: keyText, deviceName: deviceName)
    }
    public func inspectPackage(_ package: Data) throws {
        _ = try inspectImportFile(data: package, format: PhoneTransferExportFlow.packageFormat)
    }
}

/// The old phone: idle → exporting → showing the key (and saving the package) → done, or failed.
public final class PhoneTransferExportFlow: @unchecked Sendable {
    /// What the old phone shows: the QR code, the code to type, the package to hand over.
    public struct Shown: CustomStringConvertible {
        public let qrPayload: String
        public let code: String
        public let keyText: String
        public let fileName: String
        public let accounts: Int
        public let moving: [TransferOfferInfo]
        /// Enrollments whose provider gave no code: set these up again by hand.
        public let notMoving: [TransferOfferInfo]
        /// Everything that stays on this phone — the library's `leftOut` (those enrollments,
        /// managed one-time-code accounts their provider did not re-deliver, anything a backup
        /// cannot hold), each with what to do on the new phone and, for an enrollment, the
        /// provider's refusal: the view lists it before the user finishes.
        public let leftBehind: [LeftBehind]
        public var saved: Bool
        public var description: String { "Shown(<key redacted>, \(accounts) accounts, saved=\(saved))" }
    }

    /// One thing that stays on the old phone: `label` ("anna at https://idp.example.se" or
    /// "Issuer (name)"), `reason` (why, and what to do on the new phone: the library's English
    /// line), `cause` (the same, for the app to say in its language; nil for an enrollment
    /// that is left behind only because its provider refused), and for an enrollment whose
    /// provider gave no transfer code, `failure` (its refusal, classified: the app picks its
    /// sentence by kind).
    public struct LeftBehind: Equatable {
        public let label: String
        public let reason: String
        public let cause: LeftOutCause?
        public let failure: FetchFailure?
        public init(label: String, reason: String, cause: LeftOutCause?, failure: FetchFailure?) {
            self.label = label
            self.reason = reason
            self.cause = cause
            self.failure = failure
        }
    }

    /// What stays behind: every `leftOut` entry in the library's order, an enrollment's with
    /// its provider's refusal, then any refused enrollment `leftOut` did not name.
    public static func leftBehind(_ out: PhoneTransferExport) -> [LeftBehind] {
        let refused = out.enrollments.filter { $0.failure != nil }
        let listed = out.leftOut.map { l in
            LeftBehind(label: l.label, reason: l.reason, cause: l.cause, failure: refused.first { $0.label == l.label }?.failure)
        }
        let named = Set(out.leftOut.map(\.label))
        return listed + refused.filter { !named.contains($0.label) }.compactMap { e in
            e.failure.map { LeftBehind(label: e.label, reason: $0.reason, cause: nil, failure: $0) }
        }
    }

    public enum Step {
        case idle
        case exporting
        case showingKey(Shown)
        case done(accounts: Int, enrollments: Int)
        case failed(NyckelError)
    }

    /// A package is a Nyckel backup-format file (docs/backup-format.md, "Transfer package").
    public static let packageFormat = "nyckel"

    public private(set) var step: Step = .idle
    /// The package file while the key is shown; wiped after.
    public private(set) var packageData: Data?
    /// Saving or sharing the package failed (the key stays shown for another try).
    public private(set) var saveFailed = false
    /// The package written for a share sheet (`shareFile`), deleted by `finish()` and `cancel()`.
    private var shared: URL?
    private let onChange: (Step) -> Void

    public init(onChange: @escaping (Step) -> Void = { _ in }) { self.onChange = onChange }

    /// "nyckel-flytt-2026-12-05.json" (the day in UTC).
    public static func fileName(_ today: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: today)
        return String(format: "nyckel-flytt-%04d-%02d-%02d.json", c.year!, c.month!, c.day!)
    }

    /// Exports (from idle or after a failure); a second tap while exporting does nothing.
    public func start(_ port: PhoneTransferPort, today: Date) {
        switch step {
        case .idle, .failed: break
        default: return
        }
        move(.exporting)
        do {
            let out = try port.exportTransfer()
            packageData = out.package
            let shown = Shown(
                qrPayload: out.qrPayload, code: out.code, keyText: out.keyText, fileName: Self.fileName(today),
                accounts: out.accountIds.count, moving: out.enrollments.filter { $0.failure == nil },
                notMoving: out.enrollments.filter { $0.failure != nil }, leftBehind: Self.leftBehind(out), saved: false)
            move(.showingKey(shown))
        } catch let e as NyckelError {
            move(.failed(e))
        } catch {
            move(.failed(.Internal(reason: String(describing: type(of: error)))))
        }
    }

    /// The package file was written (saved or shared).
    public func packageSaved() {
        guard case .showingKey(var shown) = step else { return }
        saveFailed = false
        shown.saved = true
        move(.showingKey(shown))
    }

    /// Saving failed (`cancelled`: the user backed out, nothing to say).
    public func packageNotSaved(cancelled: Bool) {
        guard case .showingKey = step else { return }
        saveFailed = !cancelled
        onChange(step)
    }

    /// The package as a file for the system's share sheet (`ShareLink`, Android's
    /// `ACTION_SEND`): written whole into `dir` under the suggested name (`nyckel-flytt-….json`),
    /// readable and writable by this app only (and `completeFileProtection` on iOS); any package
    /// shared earlier from `dir` is deleted first (a killed app's too). Nil unless the key is
    /// shown. `finish()` and `cancel()` delete it.
    public func shareFile(in dir: URL) throws -> URL? {
        guard case .showingKey(let shown) = step, let data = packageData else { return nil }
        Self.clearShared(in: dir)
        let fm = FileManager.default
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent(shown.fileName)
        var attributes: [FileAttributeKey: Any] = [.posixPermissions: NSNumber(value: 0o600)]
        #if os(iOS)
        attributes[.protectionKey] = FileProtectionType.complete
        #endif
        // Created empty with the narrow permissions, then filled.
        guard fm.createFile(atPath: file.path, contents: nil, attributes: attributes) else {
            throw CocoaError(.fileWriteUnknown)
        }
        do {
            let handle = try FileHandle(forWritingTo: file)
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
        } catch {
            Self.wipe(file)
            throw error
        }
        shared = file
        return file
    }

    /// Deletes every package shared from `dir` (call at start too: a killed app leaves one).
    public static func clearShared(in dir: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        for name in names where name.hasPrefix("nyckel-flytt-") && name.hasSuffix(".json") {
            wipe(dir.appendingPathComponent(name))
        }
    }

    /// Overwrites `file` with zeros, then deletes it (best effort: flash storage may keep copies).
    private static func wipe(_ file: URL) {
        if let handle = try? FileHandle(forWritingTo: file) {
            let size = (try? handle.seekToEnd()) ?? 0
            try? handle.seek(toOffset: 0)
            try? handle.write(contentsOf: Data(count: Int(size)))
            try? handle.close()
        }
        try? FileManager.default.removeItem(at: file)
    }

    /// The new phone has it: forget the key and the package (and the shared file).
    public func finish() {
        guard case .showingKey(let shown) = step else { return }
        wipe()
        move(.done(accounts: shown.accounts, enrollments: shown.moving.count))
    }

    /// Leaves the screen: forgets the key and the package (a package never imported changes nothing).
    public func cancel() {
        wipe()
        saveFailed = false
        move(.idle)
    }

    private func wipe() {
        if packageData != nil { packageData!.resetBytes(in: 0..<packageData!.count) }
        packageData = nil
        if let file = shared { Self.wipe(file) }
        shared = nil
    }

    private func move(_ to: Step) {
        step = to
        onChange(to)
    }
}

/// The new phone: choose the package file → scan the old phone's QR code (or type the whole
/// key) → type the 6-digit code → importing → the outcome of each enrollment and the accounts.
/// A wrong code goes back to the code step with the library's `WrongPassphrase`; a file that
/// is no package back to choosing one.
public final class PhoneTransferImportFlow: @unchecked Sendable {
    public enum MoveStatus: Equatable {
        /// Enrolled with new keys, the old phone revoked, phone sign-in back if it was on.
        case moved
        /// Enrolled and the old phone revoked, but phone sign-in could not be turned on again.
        case phoneSigninOff
        /// Enrolled, but the provider was not reached afterwards: the old phone still works there until it is.
        case notConfirmed
        /// Not enrolled: the failure says why (set it up again with a new code).
        case notMoved
    }

    /// One enrollment's outcome; `failure` is the library's classification (kind, next step,
    /// English reason); `managedOtp` the organisation's one-time-code account its provider
    /// re-delivered with the transfer code (`added`, or already here: linked).
    public struct MoveRow: Equatable {
        public let label: String
        public let status: MoveStatus
        public let failure: TransferFailure?
        public let managedOtp: ManagedOtpInfo?
    }

    public struct Outcomes: Equatable {
        public let rows: [MoveRow]
        public let accountsImported: Int
        public let accountsDuplicate: Int
        public let accountsFailed: Int
        /// Every enrollment moved completely and no account failed.
        public var allMoved: Bool { rows.allSatisfy { $0.status == .moved } && accountsFailed == 0 }
    }

    public enum Step: Equatable {
        case choosePackage
        case scanning
        case enterCode
        case typingKey
        case importing
        case outcomes(Outcomes)
    }

    /// A problem the flow finds itself (the library's errors are in `error`).
    public enum Local: Equatable { case notATransferCode }

    public private(set) var step: Step = .choosePackage
    /// The library's reason the last action failed, shown on the current step.
    public private(set) var error: NyckelError?
    public private(set) var local: Local?
    private var package: Data?
    private var scanned: String?
    private let deviceName: String
    private let onChange: (Step) -> Void

    public init(deviceName: String, onChange: @escaping (Step) -> Void = { _ in }) {
        self.deviceName = deviceName
        self.onChange = onChange
    }

    /// A file was chosen: a Nyckel-format file goes on to the key; anything else stays here with the reason.
    public func choosePackage(_ port: PhoneTransferPort, _ data: Data) {
        guard step == .choosePackage else { return }
        clearProblems()
        do {
            try port.inspectPackage(data)
        } catch {
            self.error = Self.nyckelError(error)
            onChange(step)
            return
        }
        package = data
        move(.scanning)
    }

    /// A QR code was read while scanning; another kind of code is refused and scanning goes on.
    public func scanned(_ text: String) {
        guard step == .scanning else { return } // a late camera frame
        clearProblems()
        guard isTransferQr(text: text) else {
            local = .notATransferCode
            onChange(step)
            return
        }
        scanned = text.trimmingCharacters(in: .whitespacesAndNewlines)
        move(.enterCode)
    }

    /// No camera, or the user prefers typing: the whole key.
    public func typeKeyInstead() {
        guard step == .scanning || step == .enterCode else { return }
        clearProblems()
        scanned = nil
        move(.typingKey)
    }

    /// Back to the camera.
    public func scanAgain() {
        guard step == .enterCode || step == .typingKey else { return }
        clearProblems()
        scanned = nil
        move(.scanning)
    }

    /// The 6 digits under the QR code: imports.
    public func submitCode(_ port: PhoneTransferPort, _ code: String) {
        guard step == .enterCode, let qr = scanned else { return }
        let key: String
        do {
            key = try transferKeyFromScan(qrPayload: qr, code: code)
        } catch {
            clearProblems()
            self.error = Self.nyckelError(error)
            onChange(step)
            return
        }
        doImport(port, key, back: .enterCode)
    }

    /// The whole key typed: imports.
    public func submitKeyText(_ port: PhoneTransferPort, _ keyText: String) {
        guard step == .typingKey else { return }
        doImport(port, keyText, back: .typingKey)
    }

    /// Starts over: forgets the package and the scanned key.
    public func reset() {
        forget()
        clearProblems()
        move(.choosePackage)
    }

    private func doImport(_ port: PhoneTransferPort, _ keyText: String, back: Step) {
        guard let package else { return }
        clearProblems()
        move(.importing)
        do {
            let result = try port.importTransfer(package: package, keyText: keyText, deviceName: deviceName)
            forget()
            move(.outcomes(Self.outcomes(result)))
        } catch {
            let e = Self.nyckelError(error)
            self.error = e
            // A file that opened but is a plain backup (or another Nyckel file) needs another file.
            var wrongFile = false
            if case .InvalidInput = e, back == .enterCode { wrongFile = true }
            if wrongFile { forget() }
            move(wrongFile ? .choosePackage : back)
        }
    }

    private func forget() {
        if package != nil { package!.resetBytes(in: 0..<package!.count) }
        package = nil
        scanned = nil
    }

    private func clearProblems() {
        error = nil
        local = nil
    }

    private func move(_ to: Step) {
        step = to
        onChange(to)
    }

    private static func nyckelError(_ error: Error) -> NyckelError {
        (error as? NyckelError) ?? .Internal(reason: String(describing: type(of: error)))
    }

    /// The rows and counts of an import, each enrollment classified by what the library reported.
    public static func outcomes(_ result: PhoneTransferImport) -> Outcomes {
        Outcomes(
            rows: result.enrollments.map { MoveRow(label: $0.label, status: status($0), failure: $0.failure, managedOtp: $0.managedOtp) },
            accountsImported: Int(result.accountsImported),
            accountsDuplicate: Int(result.accountsDuplicate),
            accountsFailed: Int(result.accountsFailed))
    }

    public static func status(_ move: TransferMoveInfo) -> MoveStatus {
        if move.enrollmentId == nil { return .notMoved }
        if !move.oldDeviceRevoked { return .notConfirmed }
        if move.phoneSignin == false { return .phoneSigninOff }
        return .moved
    }
}
