import Nyckel
import SwiftUI
import UniformTypeIdentifiers

/// "Säkerhetskopiera": what the backup holds and what must be enrolled again on a new phone, a
/// password typed twice, then the system's file exporter for the sealed file. Draws
/// Logic/BackupFlow's steps.
struct BackupView: View {
    @EnvironmentObject private var app: AppModel
    @StateObject private var model = BackupModel()
    @State private var password = ""
    @State private var confirm = ""
    @State private var exporting = false

    var body: some View {
        Form {
            switch model.step {
            case .loading:
                ProgressView()
            case let .ready(plan):
                Section {
                    Text("The backup holds your accounts' secret keys, encrypted with a password you choose. Keep the file and the password apart.")
                    Text("Accounts in the backup: \(plan.accounts.count)").font(.headline)
                }
                if !plan.leftOut.isEmpty {
                    Section("Not in the backup: set these up again on a new phone") {
                        ForEach(plan.leftOut, id: \.label) { item in
                            VStack(alignment: .leading) {
                                Text(verbatim: item.label)
                                Text(verbatim: LeftOutText.sentence(item.cause)).font(.footnote).foregroundStyle(.secondary)
                            }
                        }
                    }
                }
                Section {
                    SecureField("Backup password", text: $password).textContentType(.newPassword)
                    SecureField("Repeat the password", text: $confirm).textContentType(.newPassword)
                    switch BackupFlow.passwordProblem(password, confirm) {
                    case .tooShort: Text("At least \(BackupFlow.minPassword) characters.").font(.footnote)
                    case .mismatch: if !confirm.isEmpty { Text("The passwords are not the same.").foregroundStyle(.red) }
                    case nil: EmptyView()
                    }
                    Button("Create backup") {
                        let (p, c) = (password, confirm)
                        model.run(app) { $0.create($1, password: p, confirm: c, today: Date()) }
                    }
                    .disabled(model.busy || BackupFlow.passwordProblem(password, confirm) != nil)
                }
            case .save:
                Button("Save the file") { exporting = true }
            case let .done(accounts, _):
                Text("Backup saved with \(accounts) accounts.")
            }
            if model.busy, model.step != .loading { ProgressView() }
            if let problem = model.problem { Text(problem.message).foregroundStyle(.red) }
        }
        .navigationTitle("Back up")
        .task { model.run(app) { flow, port in flow.load(port) } }
        .fileExporter(isPresented: $exporting, document: model.document, contentType: .json, defaultFilename: model.fileName) { result in
            switch result {
            case .success: model.saved()
            case .failure(let error): model.saveFailed(cancelled: (error as? CocoaError)?.code == .userCancelled)
            }
            password = ""; confirm = ""
        }
    }
}

/// The sealed backup as the file exporter wants it.
struct BackupDocument: FileDocument {
    static var readableContentTypes: [UTType] { [.json] }
    let data: Data
    init(data: Data) { self.data = data }
    init(configuration: ReadConfiguration) throws { data = configuration.file.regularFileContents ?? Data() }
    func fileWrapper(configuration: WriteConfiguration) throws -> FileWrapper { FileWrapper(regularFileWithContents: data) }
}

/// Runs Logic/BackupFlow's steps on the FFI queue and publishes the result.
@MainActor
final class BackupModel: ObservableObject {
    @Published private(set) var step: BackupFlow.Step = .loading
    @Published private(set) var problem: Problem?
    @Published private(set) var busy = false
    private let flow = BackupFlow()

    var document: BackupDocument? { flow.backup.map { BackupDocument(data: $0.bytes) } }
    var fileName: String? { if case let .save(name) = step { return name } else { return nil } }

    func run(_ app: AppModel, _ action: @escaping (BackupFlow, TransferPort) -> Void) {
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
            publish(failure)
            busy = false
        }
    }

    func saved() { flow.saved(); publish(nil) }
    func saveFailed(cancelled: Bool) { flow.saveFailed(cancelled: cancelled); publish(nil) }

    private func publish(_ failure: Problem?) {
        step = flow.step
        problem = failure ?? flow.problem
    }
}
