import Foundation

/// The two-digit number from the sign-in screen (10–99).
enum NumberEntry {
    static func sanitize(_ input: String) -> String {
        String(input.filter { ("0"..."9").contains($0) }.prefix(2))
    }

    static func parse(_ text: String) -> UInt8? {
        guard text.count == 2, text.allSatisfy({ ("0"..."9").contains($0) }), let n = UInt8(text), (10...99).contains(n) else {
            return nil
        }
        return n
    }
}

/// Time left on a sign-in request, counted down on a monotonic clock from the library's
/// `secondsLeft` (which already uses the provider's clock).
struct Countdown {
    let secondsLeftAtFetch: Int64
    let fetchedAt: TimeInterval

    func secondsLeft(now: TimeInterval) -> Int64 {
        let elapsed = Int64(max(0, now - fetchedAt))
        return max(0, secondsLeftAtFetch - elapsed)
    }

    static func format(_ seconds: Int64) -> String {
        let s = max(0, seconds)
        return String(format: "%lld:%02lld", s / 60, s % 60)
    }
}

/// The push is only a hint: `{"nyckel": 1, "requestId": "<id>"}`; nothing else is trusted.
enum PushPayload {
    static func requestId(_ userInfo: [AnyHashable: Any]) -> String? {
        let marker = userInfo["nyckel"]
        let isNyckel = (marker as? Int) == 1 || (marker as? String) == "1" || (marker as? NSNumber)?.intValue == 1
        guard isNyckel, let id = userInfo["requestId"] as? String, (1...64).contains(id.count),
              id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { return nil }
        return id
    }
}
