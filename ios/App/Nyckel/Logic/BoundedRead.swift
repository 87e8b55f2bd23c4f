import Foundation

/// Reads a picked file into memory, refusing one larger than the library accepts for an import
/// or a transfer package (32 MiB, `MAX_IMPORT_BYTES` in core) before it fills the memory: it
/// reads at most one byte more than the limit, whatever size the file's metadata claims (a
/// file may grow while it is read, and a file provider may report no size at all). The same
/// rule as the Android app's `BoundedRead`.
enum BoundedRead {
    static let maxBytes = 32 * 1024 * 1024

    /// The file's bytes; nil when it cannot be read or holds more than `max` bytes.
    static func read(_ url: URL, max: Int = maxBytes) -> Data? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        var data = Data()
        while true {
            let want = min(64 * 1024, max + 1 - data.count)
            let chunk: Data?
            do { chunk = try handle.read(upToCount: want) } catch { return nil }
            guard let chunk, !chunk.isEmpty else { return data }
            data.append(chunk)
            if data.count > max { return nil }
        }
    }
}
