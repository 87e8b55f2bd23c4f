import Foundation

/// The app's string catalog as the phone uses it (ios/App/Nyckel/Resources/Localizable.xcstrings:
/// English keys, Swedish values), so a test can check what each language says. On Linux
/// `String(localized:)` is the English key itself; the Swedish is looked up here.
enum Catalog {
    /// Swedish for each English key, read once from the repository (found upwards from this file).
    static let swedish: [String: String] = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            let file = dir.appendingPathComponent("ios/App/Nyckel/Resources/Localizable.xcstrings")
            if let data = try? Data(contentsOf: file),
               let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let strings = json["strings"] as? [String: Any] {
                var out: [String: String] = [:]
                for (key, entry) in strings {
                    let sv = ((entry as? [String: Any])?["localizations"] as? [String: Any])?["sv"] as? [String: Any]
                    if let value = (sv?["stringUnit"] as? [String: Any])?["value"] as? String { out[key] = value }
                }
                return out
            }
            dir = dir.deletingLastPathComponent()
        }
        fatalError("Localizable.xcstrings not found above \(#filePath)")
    }()
}
