import SwiftUI

/// Unlock with Face ID (the Secure Enclave decryption *is* the check) or the recovery
/// passphrase. UserCancelled → stay here; KeyInvalidated (biometrics changed) → explain,
/// offer the passphrase (then enrol a new key) or, without one, a reset.
struct LockView: View {
    let hasBiometricKey: Bool
    @EnvironmentObject private var model: AppModel
    @State private var busy = false
    @State private var problem: Problem?
    @State private var invalidated = false
    @State private var passphrase = ""
    @State private var confirmReset = false
    @State private var prompted = false

    var body: some View {
        VStack(spacing: 20) {
            Image(systemName: "lock.fill").font(.system(size: 56)).foregroundStyle(.tint)
            Text("Nyckel is locked").font(.title2.bold())
            if invalidated {
                VStack(alignment: .leading, spacing: 8) {
                    Text("Face ID or Touch ID has changed").font(.headline)
                    Text("For your safety, the key that unlocked Nyckel no longer works after Face ID or Touch ID changed.")
                    Text(model.recoveryPassphraseSet
                         ? String(localized: "Unlock with your recovery passphrase. Nyckel will then set up a new key.")
                         : String(localized: "If you set a recovery passphrase, unlock with it. Without one, your accounts cannot be opened again: reset Nyckel and add them again."))
                }
                .padding().background(.red.opacity(0.1), in: RoundedRectangle(cornerRadius: 12))
            } else if hasBiometricKey {
                Button("Unlock") { unlockBiometric() }.buttonStyle(.borderedProminent).disabled(busy)
            }
            if let problem { Text(problem.message).foregroundStyle(.red).multilineTextAlignment(.center) }
            if !hasBiometricKey || invalidated || model.recoveryPassphraseSet {
                SecureField(hasBiometricKey ? String(localized: "Recovery passphrase") : String(localized: "Passphrase"), text: $passphrase)
                    .textFieldStyle(.roundedBorder).onSubmit(unlockPassphrase)
                Button("Unlock with passphrase", action: unlockPassphrase).disabled(busy || passphrase.isEmpty)
            }
            if invalidated {
                Button("Reset Nyckel", role: .destructive) { confirmReset = true }
            }
            if busy { ProgressView() }
        }
        .padding(24)
        .task {
            guard hasBiometricKey, !prompted else { return }
            prompted = true
            unlockBiometric()
        }
        .confirmationDialog("Delete all accounts?", isPresented: $confirmReset, titleVisibility: .visible) {
            Button("Reset Nyckel", role: .destructive) { Task { await model.reset() } }
        } message: {
            Text("This deletes every account and sign-in approval on this phone. You will have to add them again. This cannot be undone.")
        }
    }

    private func unlockBiometric() {
        busy = true
        problem = nil
        Task {
            do { try await model.unlockWithBiometrics() } catch {
                let p = Problem.of(error)
                if p.kind == .keyInvalidated { invalidated = true }
                problem = p.isSilent ? nil : p
            }
            busy = false
        }
    }

    private func unlockPassphrase() {
        let reenrol = invalidated
        let p = passphrase
        busy = true
        problem = nil
        Task {
            do {
                try await model.unlockWithPassphrase(p)
                passphrase = ""
                if reenrol { try? await model.reenrolBiometrics() }
            } catch { problem = Problem.of(error) }
            busy = false
        }
    }
}
