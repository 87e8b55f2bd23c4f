import Nyckel
import SwiftUI
import UniformTypeIdentifiers

/// "Importera" (`restore` false: a file of another app, or Google Authenticator's transfer QR
/// codes) and "Återställ från säkerhetskopia" (`restore` true: a Nyckel backup). Draws
/// Logic/ImportFlow's steps; nothing is added before the user confirms the preview.
struct ImportView: View {
    let restore: Bool
    @Binding var path: [Route]
    @EnvironmentObject private var app: AppModel
    @StateObject private var model = ImportModel()
    @State private var picking = false
    @State private var password = ""

    var body: some View {
        Form {
            switch model.step {
            case .choose:
                Section {
                    if restore { Text("Choose a Nyckel backup file. Its accounts are added to the ones already here.") }
                    Button("Choose a file") { picking = true }.disabled(model.busy)
                } footer: {
                    if !restore { Text("An export from Aegis, 2FAS, Bitwarden, Proton, Ente, FreeOTP+, andOTP, Steam, Google or Microsoft Authenticator, or a list of otpauth links") }
                }
                if !restore {
                    Section {
                        Button("Scan Google Authenticator codes") { model.run(app) { flow, _ in flow.startScanning() } }
                    } footer: { Text("In Google Authenticator: Transfer accounts → Export accounts") }
                }
            case .password:
                Section {
                    SecureField("Password", text: $password).textContentType(.password)
                    if ImportFlow.isWrongPassword(model.problem) { Text("Wrong password. Try again.").foregroundStyle(.red) }
                    Button("Continue") { let p = password; model.run(app) { $0.submitPassword($1, p) } }
                        .disabled(model.busy || password.isEmpty)
                } header: { Text("This file is encrypted") } footer: {
                    Text(restore ? String(localized: "Enter the password the backup was made with.") : String(localized: "Enter the password it was exported with."))
                }
            case let .scanning(progress):
                Section {
                    if let progress {
                        let (scannedCount, total) = (progress.scanned.count, Int(progress.total))
                        let next = progress.missing.map(String.init).joined(separator: ", ")
                        Text("Scanned \(scannedCount) of \(total) codes. Scan code \(next) next.")
                    } else {
                        Text("Scan the first QR code of the export.")
                    }
                    QRScannerView { texts in texts.forEach { t in model.run(app) { $0.scanned($1, t) } } }
                        .frame(height: 320)
                }
            case let .preview(s):
                Section("Check before importing") {
                    Text("File: \(s.format)").font(.footnote)
                    Text("New accounts: \(Int(s.wouldImport))")
                    Text("Already in Nyckel: \(Int(s.duplicates))")
                    if s.failed > 0 { Text("Cannot be imported: \(Int(s.failed))").foregroundStyle(.red) }
                }
                FailedEntries(entries: s.entries)
                ForEach(s.notes, id: \.self) { Text($0).font(.footnote) }
                if s.wouldImport > 0 {
                    Button(confirmLabel(s)) { model.run(app) { $0.confirm($1) } }.disabled(model.busy)
                } else {
                    Text("Nothing new to import.")
                }
            case let .done(s):
                Section {
                    if s.imported == 0 {
                        Text("Nothing new to import.")
                    } else if restore {
                        Text("Restored \(Int(s.imported)) accounts.")
                    } else {
                        Text("Imported \(Int(s.imported)) accounts.")
                    }
                }
                FailedEntries(entries: s.entries)
                Button("Done") { path = restore ? app.pathAfterTransfer() : [] }
                if !restore { Button("Import another file") { model.run(app) { flow, _ in flow.reset() } } }
            }
            if model.busy { ProgressView() }
            if let problem = model.problem, !ImportFlow.isWrongPassword(problem) {
                Text(problem.message).foregroundStyle(.red)
            }
        }
        .navigationTitle(restore ? String(localized: "Restore from backup") : String(localized: "Import"))
        .fileImporter(isPresented: $picking, allowedContentTypes: [.item]) { result in
            guard case let .success(url) = result else { return }
            let bytes = FileRead.bounded(url)
            if let bytes { model.run(app) { $0.chooseFile($1, bytes) } } else { model.fileNotRead() }
        }
        .onAppear { model.configure(restore: restore) }
        .onDisappear { model.forget() }
    }

    private func confirmLabel(_ s: ImportSummary) -> String {
        let n = Int(s.wouldImport)
        if ImportFlow.keepsGoodOnly(s) { return String(localized: "Import the other \(n)") }
        return restore ? String(localized: "Restore \(n) accounts") : String(localized: "Import \(n) accounts")
    }
}

/// Entries that cannot be imported, with the library's reason (one English line, never the secret).
private struct FailedEntries: View {
    let entries: [ImportEntry]
    var body: some View {
        ForEach(entries, id: \.position) { e in
            if case let .failed(reason) = e.outcome {
                VStack(alignment: .leading) {
                    Text(verbatim: e.label)
                    Text(verbatim: reason).font(.footnote).foregroundStyle(.secondary)
                }
            }
        }
    }
}

/// Runs Logic/ImportFlow's steps on the FFI queue, one at a time, and publishes the result.
@MainActor
final class ImportModel: ObservableObject {
    @Published private(set) var step: ImportFlow.Step = .choose
    @Published private(set) var problem: Problem?
    @Published private(set) var busy = false
    private var flow = ImportFlow()
    private var configured = false

    func configure(restore: Bool) {
        guard !configured else { return }
        configured = true
        flow = ImportFlow(format: restore ? ImportFlow.backupFormat : nil)
    }

    func run(_ app: AppModel, _ action: @escaping (ImportFlow, TransferPort) -> Void) {
        guard !busy else { return }
        busy = true
        let flow = self.flow
        Task {
            var failure: Problem?
            do {
                try await app.call { vault in action(flow, VaultTransferPort(vault: vault)) }
            } catch {
                let p = Problem.of(error)
                failure = p.isSilent ? nil : p
            }
            step = flow.step
            problem = failure ?? flow.problem
            busy = false
        }
    }

    func fileNotRead() { problem = Problem(kind: .fileNotRead) }

    /// Drops the file and password with the screen.
    func forget() { flow.reset() }
}

/// Reads a picked file (security-scoped), refusing one larger than the library accepts (32 MiB)
/// without reading more than that (`BoundedRead`, tested plain logic).
enum FileRead {
    static func bounded(_ url: URL) -> Data? {
        let scoped = url.startAccessingSecurityScopedResource()
        defer { if scoped { url.stopAccessingSecurityScopedResource() } }
        return BoundedRead.read(url)
    }
}
