import Nyckel
import SwiftUI

/// First-run recovery (docs/recovery.md, "First-run recovery"), right after a vault was
/// created with Face ID: a recovery passphrase, or a recovery code to write down and type back.
/// Draws NyckelKit's RecoverySetupFlow.
struct RecoverySetupView: View {
    @Binding var path: [Route]
    @EnvironmentObject private var app: AppModel
    @StateObject private var model = RecoverySetupModel()
    @State private var passphrase = ""
    @State private var confirm = ""
    @State private var typed = ""

    var body: some View {
        Form {
            switch model.step {
            case .choose:
                Section {
                    Text("If your fingerprint or face changes, or you restore a backup on a new phone, Nyckel needs a recovery code or passphrase. Without one your accounts cannot be opened again.")
                    Button("Give me a recovery code to write down") { model.run(app) { $0.chooseCode() } }
                    Button("I will choose a passphrase") { model.run(app) { $0.choosePassphrase() } }
                    Button("Skip (not recommended)") { model.run(app) { $0.skip() } }
                }
            case .passphrase:
                Section {
                    SecureField("Recovery passphrase", text: $passphrase).textContentType(.newPassword)
                    SecureField("Repeat the passphrase", text: $confirm).textContentType(.newPassword)
                    switch model.local {
                    case .tooShort: Text("At least \(RecoverySetupFlow.minPassphrase) characters.").foregroundStyle(.red)
                    case .mismatch: Text("The passphrases are not the same.").foregroundStyle(.red)
                    default: EmptyView()
                    }
                    Button("Save") { let (p, c) = (passphrase, confirm); model.run(app) { $0.submitPassphrase(p, confirm: c) } }
                    Button("Back") { model.run(app) { $0.back() } }
                }
            case let .showCode(code):
                Section {
                    Text("Write this code down on paper and keep it somewhere safe. It is shown only now.")
                    Text(verbatim: code.replacingOccurrences(of: "-", with: " ")).font(.title3.monospaced())
                    Button("I have written it down") { model.run(app) { $0.codeWrittenDown() } }
                    Button("Back") { model.run(app) { $0.back() } }
                }
            case .confirmCode:
                Section {
                    Text("Type the code from your paper to check it.")
                    TextField("Recovery code", text: $typed).textInputAutocapitalization(.characters).autocorrectionDisabled()
                    if model.local == .notTheCodeShown { Text("That is not the code shown. Show it again and copy it carefully.").foregroundStyle(.red) }
                    Button("Check the code") { let t = typed; model.run(app) { $0.confirmCode(t) } }
                    Button("Show the code again") { model.run(app) { $0.showCodeAgain() } }
                }
            case let .done(byCode):
                Section {
                    Text(byCode ? String(localized: "Your recovery code is set. Use it to unlock Nyckel if biometrics stop working, and as the password of your backups.")
                                : String(localized: "Your recovery passphrase is set. Use it to unlock Nyckel if biometrics stop working."))
                    Button("Done", action: finish)
                }
            case .skipped:
                Section {
                    Text("Without a recovery code or passphrase, a change of fingerprint or face locks your accounts for good. You can set one later in Settings.").foregroundStyle(.red)
                    Button("Done", action: finish)
                }
            }
            if model.busy { ProgressView() }
            if let problem = model.problem { Text(problem.message).foregroundStyle(.red) }
        }
        .navigationTitle("A way back in")
        .navigationBarBackButtonHidden(true)
    }

    /// On with the first run (Logic/FirstRunFlow): the chosen restore or move, the backup offer.
    private func finish() {
        if case .done = model.step { app.recoveryPassphraseSet = true }
        if case .skipped = model.step { app.firstRun?.recoverySkipped() }
        path = app.firstRunPath()
    }
}

/// Runs NyckelKit's RecoverySetupFlow on the FFI queue (setting the passphrase runs Argon2id).
@MainActor
final class RecoverySetupModel: ObservableObject {
    @Published private(set) var step: RecoverySetupFlow.Step = .choose
    @Published private(set) var local: RecoverySetupFlow.Local?
    @Published private(set) var problem: Problem?
    @Published private(set) var busy = false
    private var flow: RecoverySetupFlow?

    func run(_ app: AppModel, _ action: @escaping @Sendable (RecoverySetupFlow) -> Void) {
        guard !busy else { return }
        busy = true
        Task {
            do {
                let flow = try self.flow ?? makeFlow(app)
                self.flow = flow
                try await app.call { _ in action(flow) }
                step = flow.step
                local = flow.local
                problem = flow.error.map { Problem.of($0) }
            } catch {
                let p = Problem.of(error)
                problem = p.isSilent ? nil : p
            }
            busy = false
        }
    }

    private func makeFlow(_ app: AppModel) throws -> RecoverySetupFlow {
        let vault = try app.requireVault()
        let firstRun = app.firstRun
        return RecoverySetupFlow { secret in
            try vault.setPassphrase(passphrase: secret, kdf: nil)
            // The first run's backup offer seals with it (not typed again).
            firstRun?.recoverySet(secret)
        }
    }
}
