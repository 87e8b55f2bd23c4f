import LocalAuthentication
import SwiftUI

/// First start: `createWithProtector` (Secure Enclave key, Face ID on unlock) or, without
/// Face ID / Touch ID, `create` with a passphrase.
struct CreateVaultView: View {
    @EnvironmentObject private var model: AppModel
    @State private var usePassphrase = !CreateVaultView.biometricsAvailable
    @State private var passphrase = ""
    @State private var confirm = ""
    @State private var busy = false
    @State private var problem: Problem?
    /// What the user came to do (Logic/FirstRunFlow): a fresh start, a restore, or a move.
    @State private var intent: FirstRunFlow.Intent = .fresh

    static var biometricsAvailable: Bool { LAContext().canEvaluatePolicy(.deviceOwnerAuthenticationWithBiometrics, error: nil) }

    var body: some View {
        Form {
            Section {
                Text("Welcome to Nyckel").font(.title.bold())
                Text("Nyckel keeps your sign-in codes and approves sign-ins for your work or school account. Everything is encrypted on this phone.")
            }
            if !usePassphrase {
                Section {
                    Text("Your accounts will be locked with a key in this phone's Secure Enclave, opened with Face ID or Touch ID.")
                    Button("Get started") { run { try await model.createWithBiometrics(intent: intent) } }.disabled(busy)
                    Button("Use a passphrase instead") { usePassphrase = true }
                }
            } else {
                Section {
                    if !Self.biometricsAvailable { Text("This phone has no Face ID or Touch ID set up, so Nyckel will use a passphrase.") }
                    Text("Choose a passphrase. You will type it every time you open Nyckel. It cannot be recovered if you forget it.")
                    SecureField("Passphrase", text: $passphrase)
                    SecureField("Repeat the passphrase", text: $confirm)
                    if !confirm.isEmpty && confirm != passphrase { Text("The passphrases are not the same.").foregroundStyle(.red) }
                    Button("Create with passphrase") { run { try await model.createWithPassphrase(passphrase, intent: intent) } }
                        .disabled(busy || passphrase.count < 8 || passphrase != confirm)
                    if Self.biometricsAvailable { Button("Use Face ID or Touch ID instead") { usePassphrase = false } }
                }
            }
            Section {
                // The first-run choice of a new phone (Logic/FirstRunFlow): the vault is created as
                // above, then the recovery step, then the restore or move (RootView's MainView).
                Toggle("Restore from backup", isOn: intentToggle(.restore))
            } footer: { Text("After Nyckel is set up, choose your backup file and enter its password.") }
            Section {
                Toggle("Move from my old phone", isOn: intentToggle(.moveIn))
            } footer: { Text("After Nyckel is set up, choose the file from your old phone and scan its code.") }
            if let problem { Text(problem.message).foregroundStyle(.red) }
        }
    }

    /// A toggle for one intent: on chooses it, off goes back to a fresh start.
    private func intentToggle(_ choice: FirstRunFlow.Intent) -> Binding<Bool> {
        Binding(get: { intent == choice }, set: { intent = $0 ? choice : .fresh })
    }

    private func run(_ body: @escaping () async throws -> Void) {
        busy = true
        problem = nil
        Task {
            do { try await body() } catch { problem = Problem.of(error).isSilent ? nil : Problem.of(error) }
            busy = false
        }
    }
}
