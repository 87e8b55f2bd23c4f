import Foundation

/// When the vault is locked again after the app left the foreground (mirrors the Android
/// app's `AutoLockPolicy`). `now` is a monotonic clock (`ProcessInfo.systemUptime`).
struct AutoLockPolicy {
    static let choices: [TimeInterval] = [0, 30, 60, 300]
    static let defaultSeconds: TimeInterval = 30

    var timeout: TimeInterval
    private var backgroundedAt: TimeInterval?

    init(timeout: TimeInterval) {
        precondition(timeout >= 0)
        self.timeout = timeout
    }

    mutating func onBackground(now: TimeInterval) { backgroundedAt = now }

    func shouldLock(now: TimeInterval) -> Bool {
        guard let at = backgroundedAt else { return false }
        return now - at >= timeout
    }

    /// True when the vault must be locked before anything is shown again.
    mutating func onForeground(now: TimeInterval) -> Bool {
        defer { backgroundedAt = nil }
        return shouldLock(now: now)
    }
}
