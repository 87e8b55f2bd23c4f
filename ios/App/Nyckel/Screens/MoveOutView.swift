import CoreImage.CIFilterBuiltins
import Nyckel
import SwiftUI
import UniformTypeIdentifiers

/// "Flytta till ny telefon" on the old phone: explains, exports, shows the one-time key as a QR
/// code and a 6-digit code, and saves the package file (the file exporter: iCloud Drive, a USB
/// stick) or shares it (`ShareLink`: AirDrop, Mail). Draws NyckelKit's PhoneTransferExportFlow; hidden like every
/// screen when the app is not active (privacy cover).
struct MoveOutView: View {
    @EnvironmentObject private var app: AppModel
    @StateObject private var model = MoveOutModel()
    @State private var exporting = false

    var body: some View {
        Form {
            switch model.step {
            case .idle, .failed:
                Section {
                    Text("Nyckel asks each organisation for a one-time code for your new phone and puts it, with your accounts, in an encrypted file. Nothing stops working here until the new phone has taken over.")
                    Button("Start") { model.start(app) }
                }
                if case let .failed(error) = model.step { Text(Problem.of(error).message).foregroundStyle(.red) }
            case .exporting:
                ProgressView()
                Text("Asking your organisations for codes…")
            case let .showingKey(shown):
                Section("1. Save the file where your new phone can open it") {
                    Button(shown.saved ? "Saved. Save again" : "Save the file") { exporting = true }
                    if let url = model.shareURL {
                        ShareLink(item: url) { Label("Share the file (AirDrop, e-mail to yourself…)", systemImage: "square.and.arrow.up") }
                    }
                    if model.saveFailed { Text("The backup file could not be saved. Try another place.").foregroundStyle(.red) }
                }
                Section("2. On the new phone, choose the file and scan this code:") {
                    if let image = Self.render(shown.qrPayload) {
                        Image(uiImage: image).interpolation(.none).resizable().scaledToFit().frame(maxWidth: 260)
                            .accessibilityLabel(Text("QR code for the new phone"))
                    }
                }
                Section("3. Then type this code:") {
                    Text(verbatim: String(shown.code.prefix(3)) + " " + String(shown.code.suffix(3))).font(.largeTitle.monospacedDigit())
                    Text("No camera? Type the whole key: \(shown.keyText)").font(.footnote)
                }
                Section {
                    Text("\(shown.accounts) accounts and \(shown.moving.count) sign-in approvals will move.")
                }
                // What stays here (the library's leftOut, an enrollment with its provider's refusal), before "finish".
                if !shown.leftBehind.isEmpty {
                    Section("These cannot move: set them up again on the new phone") {
                        ForEach(Array(shown.leftBehind.enumerated()), id: \.offset) { _, item in
                            VStack(alignment: .leading) {
                                Text(verbatim: item.label)
                                if let f = item.failure {
                                    let refusal = Problem(kind: Problem.screenKind(for: f.kind), nextStep: f.nextStep).message
                                    Text("The organisation gave no code for the new phone: \(refusal)").font(.footnote)
                                }
                                if let cause = item.cause {
                                    Text("Why: \(LeftOutText.sentence(cause))").font(.footnote).foregroundStyle(.secondary)
                                }
                            }
                        }
                    }
                }
                Button("The new phone has it") { model.finish() }
            case .done:
                Text("Done. Once the new phone has moved, sign-in approvals on this phone stop working.")
            }
            if let problem = model.problem { Text(problem.message).foregroundStyle(.red) }
        }
        .navigationTitle("Move to a new phone")
        .onDisappear { model.cancel() }
        .fileExporter(isPresented: $exporting, document: model.document, contentType: .json, defaultFilename: model.fileName) { result in
            switch result {
            case .success: model.saved()
            case .failure(let error): model.saveFailed(cancelled: (error as? CocoaError)?.code == .userCancelled)
            }
        }
    }

    private static func render(_ text: String) -> UIImage? {
        let filter = CIFilter.qrCodeGenerator()
        filter.message = Data(text.utf8)
        filter.correctionLevel = "M"
        guard let output = filter.outputImage?.transformed(by: CGAffineTransform(scaleX: 10, y: 10)),
              let cg = CIContext().createCGImage(output, from: output.extent) else { return nil }
        return UIImage(cgImage: cg)
    }
}

/// Runs NyckelKit's PhoneTransferExportFlow on the FFI queue and publishes its steps.
@MainActor
final class MoveOutModel: ObservableObject {
    @Published private(set) var step: PhoneTransferExportFlow.Step = .idle
    @Published private(set) var saveFailed = false
    @Published private(set) var problem: Problem?
    /// The package as a file for `ShareLink` (NyckelKit's `shareFile`: owner-only, complete
    /// file protection, deleted by finish and cancel), while the key is shown.
    @Published private(set) var shareURL: URL?
    /// Where shared packages are written (emptied at launch, `AppModel.load`).
    static let shareDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("shared", isDirectory: true)
    private lazy var flow = PhoneTransferExportFlow { [weak self] step in
        Task { @MainActor in self?.publish(step) }
    }

    var document: BackupDocument? { flow.packageData.map { BackupDocument(data: $0) } }
    var fileName: String? { if case let .showingKey(shown) = step { return shown.fileName } else { return nil } }

    func start(_ app: AppModel) {
        problem = nil
        let flow = self.flow
        Task {
            do {
                let approvals = try app.approvals()
                try await app.call { _ in flow.start(ApprovalsTransferPort(approvals), today: Date()) }
            } catch {
                let p = Problem.of(error)
                problem = p.isSilent ? nil : p
            }
        }
    }

    func saved() { flow.packageSaved() }
    func saveFailed(cancelled: Bool) { flow.packageNotSaved(cancelled: cancelled) }
    func finish() { flow.finish() }
    func cancel() { flow.cancel() }

    private func publish(_ step: PhoneTransferExportFlow.Step) {
        self.step = step
        saveFailed = flow.saveFailed
        if case .showingKey = step {
            if shareURL == nil { shareURL = try? flow.shareFile(in: Self.shareDirectory) }
        } else {
            shareURL = nil // finish / cancel deleted it
        }
    }
}
