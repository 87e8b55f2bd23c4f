import Nyckel
import SwiftUI

/// Lock timeout, recovery passphrase (`setPassphrase`), Face ID unlock on/off, and the way to
/// import, back up and restore.
struct SettingsView: View {
    @EnvironmentObject private var app: AppModel
    @State private var biometric: Bool?
    @State private var passphrase = ""
    @State private var confirm = ""
    @State private var saved = false
    @State private var problem: Problem?
    @State private var busy = false

    var body: some View {
        Form {
            Section("Lock when Nyckel has been in the background for") {
                Picker("Lock after", selection: $app.lockTimeout) {
                    Text("Immediately").tag(0.0)
                    Text("30 seconds").tag(30.0)
                    Text("1 min").tag(60.0)
                    Text("5 min").tag(300.0)
                }
            }
            if let biometric {
                Section {
                    Toggle("Unlock with Face ID or Touch ID", isOn: Binding(get: { biometric }, set: setBiometric))
                        .disabled(busy || (biometric && !app.recoveryPassphraseSet))
                } footer: { Text("Can be turned off only when a recovery passphrase is set") }
            }
            Section {
                SecureField("Passphrase", text: $passphrase)
                SecureField("Repeat the passphrase", text: $confirm)
                Button(app.recoveryPassphraseSet ? String(localized: "Change recovery passphrase") : String(localized: "Set recovery passphrase"), action: savePassphrase)
                    .disabled(busy || passphrase.count < 8 || passphrase != confirm)
                if saved { Text("Recovery passphrase saved.").foregroundStyle(.green) }
            } header: { Text("Recovery passphrase") } footer: {
                Text("If Face ID or Touch ID changes, the key that unlocks Nyckel stops working. A recovery passphrase lets you get back in. Without it your accounts would be lost.")
            }
            if let problem { Text(problem.message).foregroundStyle(.red) }
            Section("Move accounts") {
                NavigationLink(value: Route.importAccounts) { Label("Import", systemImage: "square.and.arrow.down") }
                NavigationLink(value: Route.backup) { Label("Back up", systemImage: "externaldrive") }
                NavigationLink(value: Route.autoBackup) { Label("Automatic backup", systemImage: "arrow.triangle.2.circlepath") }
                NavigationLink(value: Route.restore) { Label("Restore from backup", systemImage: "arrow.counterclockwise") }
                NavigationLink(value: Route.moveOut) { Label("Move to a new phone", systemImage: "iphone.and.arrow.forward") }
                NavigationLink(value: Route.moveIn) { Label("Move from my old phone", systemImage: "arrow.down.to.line") }
            }
            Section { Text(verbatim: "Nyckel \(nyckelVersion())").font(.footnote).foregroundStyle(.secondary) }
        }
        .navigationTitle("Settings")
        .task { biometric = try? await app.call { try $0.hasPlatformKey() } }
    }

    private func savePassphrase() {
        let p = passphrase
        perform {
            try await app.call { try $0.setPassphrase(passphrase: p, kdf: nil) }
            app.recoveryPassphraseSet = true
            passphrase = ""; confirm = ""; saved = true
        }
    }

    private func setBiometric(_ on: Bool) {
        perform {
            if on { try await app.reenrolBiometrics() } else { try await app.disableBiometrics() }
            biometric = on
        }
    }

    private func perform(_ body: @escaping () async throws -> Void) {
        busy = true; problem = nil; saved = false
        Task {
            do { try await body() } catch { let p = Problem.of(error); problem = p.isSilent ? nil : p }
            busy = false
        }
    }
}
