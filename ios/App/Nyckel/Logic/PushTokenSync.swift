import Foundation

/// Keeping the providers' push token current (mirrors the Android app's
/// `logic/PushTokenSync`). APNs may hand out a new token at any launch, usually while the
/// vault is locked, and `updatePushToken` needs it unlocked. So the app keeps the current
/// token and the last one every provider accepted; after every unlock (and when a token
/// arrives while unlocked) it sends the current one if they differ, and records it only when
/// `updatePushToken` succeeded for every enrollment — a failure is retried at the next unlock.
enum PushTokenSync {
    /// The token to send now: a non-empty current token the providers have not accepted yet.
    static func needsSending(current: String?, lastSent: String?) -> String? {
        guard let current, !current.isEmpty, current != lastSent else { return nil }
        return current
    }
}

/// What the app delegate receives before SwiftUI has given it the model: the request id of a
/// notification tap that launched the app, and the APNs token. Kept until the model is set,
/// then handed over once.
struct Handover: Equatable {
    var requestId: String?
    var token: String?

    /// Everything kept so far; empty afterwards.
    mutating func take() -> (requestId: String?, token: String?) {
        defer { self = Handover() }
        return (requestId, token)
    }
}
