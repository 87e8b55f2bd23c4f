import Nyckel
import SwiftUI

/// What the scanned otpauth:// URI describes (`parseUri`, no secret) and its warnings, before `addUri`.
struct AddPreviewView: View {
    @Binding var path: [Route]
    @EnvironmentObject private var app: AppModel
    @State private var preview: ParseResult?
    @State private var problem: Problem?
    @State private var existingId: Int64?
    @State private var busy = false

    var body: some View {
        Form {
            if let p = preview {
                LabeledContent("Service", value: p.info.issuer.isEmpty ? "—" : p.info.issuer)
                LabeledContent("Account", value: p.info.name.isEmpty ? "—" : p.info.name)
                LabeledContent("Type", value: kindText(p.info))
                if !p.warnings.isEmpty {
                    Section("Check before adding") { ForEach(p.warnings, id: \.self) { Label($0, systemImage: "exclamationmark.triangle") } }
                }
                Button("Add account") { add() }.disabled(busy || existingId != nil)
            }
            if let problem { Text(problem.message).foregroundStyle(.red) }
            if let existingId { Button("Open the existing account") { path = [.account(existingId)] } }
        }
        .navigationTitle("Add this account?")
        .task {
            guard case let .otp(uri)? = app.scanned else { problem = Problem(kind: .notAnAccount); return }
            do { preview = try await Blocking.run { try parseUri(uri: uri) } } catch { problem = Problem.of(error) }
        }
        .onDisappear { app.scanned = nil }
    }

    private func add() {
        guard case let .otp(uri)? = app.scanned else { return }
        busy = true
        Task {
            do {
                _ = try await app.call { try $0.addUri(uri: uri, allowDuplicate: false) }
                app.scanned = nil
                path = []
            } catch let NyckelError.Duplicate(existing) {
                existingId = existing
                problem = Problem(kind: .alreadyAdded)
            } catch { problem = Problem.of(error) }
            busy = false
        }
    }
}

func kindText(_ info: OtpInfo) -> String {
    let base: String
    switch info.kind {
    case .totp: base = String(localized: "Time-based, \(Int(info.digits)) digits every \(Int(info.period)) s")
    case .hotp: base = String(localized: "Counter-based, \(Int(info.digits)) digits")
    case .steam: base = String(localized: "Steam Guard")
    }
    return "\(base) · \(String(describing: info.algorithm).uppercased())"
}
