import Foundation

/// Every Nyckel call is synchronous and may block for a long time (SQLite, Argon2id, Face ID
/// inside the Secure Enclave operation, the network for approvals). They run on this
/// dedicated queue, never on the main thread — and not on Swift's cooperative thread pool
/// either, which must not be blocked by semaphores or prompts.
enum Blocking {
    private static let queue = DispatchQueue(label: "app.nyckel.ffi", qos: .userInitiated, attributes: .concurrent)

    static func run<T>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
