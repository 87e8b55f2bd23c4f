import Nyckel
import SwiftUI

/// "Enter a setup key": `addManual`, validated by the same parser as a scanned code.
struct ManualEntryView: View {
    @Binding var path: [Route]
    @EnvironmentObject private var app: AppModel
    @State private var form = ManualEntryForm()
    @State private var showProblems = false
    @State private var problem: Problem?
    @State private var warnings: [String]?
    @State private var busy = false

    var body: some View {
        let problems = showProblems ? form.problems() : []
        Form {
            Picker("Type", selection: $form.kind) {
                Text("Time").tag(OtpKind.totp)
                Text("Counter").tag(OtpKind.hotp)
                Text("Steam Guard").tag(OtpKind.steam)
            }.pickerStyle(.segmented)
            TextField("Service", text: $form.issuer)
            TextField("Account", text: $form.name).textInputAutocapitalization(.never)
            if problems.contains(.name) { Text("Required").foregroundStyle(.red) }
            TextField("Setup key", text: $form.secret)
                .textInputAutocapitalization(.characters).autocorrectionDisabled().textContentType(.oneTimeCode)
            if problems.contains(.secret) { Text("Required").foregroundStyle(.red) }
            DisclosureGroup("More options") {
                if form.kind != .steam {
                    Picker("Algorithm", selection: $form.algorithm) {
                        Text(verbatim: "SHA1").tag(HashAlgorithm.sha1)
                        Text(verbatim: "SHA256").tag(HashAlgorithm.sha256)
                        Text(verbatim: "SHA512").tag(HashAlgorithm.sha512)
                    }
                    TextField("Digits", text: $form.digits).keyboardType(.numberPad)
                    if problems.contains(.digits) { Text("Not a number").foregroundStyle(.red) }
                }
                if form.kind == .hotp {
                    TextField("Counter", text: $form.counter).keyboardType(.numberPad)
                    if problems.contains(.counter) { Text("Not a number").foregroundStyle(.red) }
                } else {
                    TextField("Seconds", text: $form.period).keyboardType(.numberPad)
                    if problems.contains(.period) { Text("Not a number").foregroundStyle(.red) }
                }
            }
            TextField("Note", text: $form.note)
            if let problem { Text(problem.message).foregroundStyle(.red) }
            Button("Add account", action: add).disabled(busy)
        }
        .navigationTitle("Enter a setup key")
        .alert("Added. Please note:", isPresented: Binding(get: { warnings?.isEmpty == false }, set: { if !$0 { path = [] } })) {
            Button("OK") { path = [] }
        } message: { Text(warnings?.joined(separator: "\n") ?? "") }
        .onDisappear { form = ManualEntryForm() } // drop the typed secret
    }

    private func add() {
        guard form.isValid else { showProblems = true; return }
        let account = form.toManualAccount()
        busy = true
        Task {
            do {
                let added = try await app.call { try $0.addManual(account: account, allowDuplicate: false) }
                if added.warnings.isEmpty { path = [] } else { warnings = added.warnings }
            } catch { problem = Problem.of(error) }
            busy = false
        }
    }
}
