import Nyckel
import SwiftUI
import UniformTypeIdentifiers

/// The new phone's "Flytta från gammal telefon": choose the package file, scan the old phone's
/// QR code (or type the whole key), type the 6-digit code, then each enrollment's outcome and
/// the accounts. Draws NyckelKit's PhoneTransferImportFlow.
struct MoveInView: View {
    @Binding var path: [Route]
    @EnvironmentObject private var app: AppModel
    @StateObject private var model = MoveInModel(deviceName: UIDevice.current.name)
    @State private var picking = false
    @State private var code = ""
    @State private var key = ""

    var body: some View {
        Form {
            switch model.step {
            case .choosePackage:
                Section {
                    Text("On your old phone, open Nyckel → Settings → Move to a new phone, and save the file. Then choose that file here.")
                    Button("Choose the file") { picking = true }
                }
            case .scanning:
                Section {
                    Text("Scan the QR code on your old phone.")
                    QRScannerView { texts in texts.forEach { model.scanned($0) } }.frame(height: 320)
                    if model.notATransferCode { Text("That is not the code from Move to a new phone.").foregroundStyle(.red) }
                    Button("Type the key instead") { model.typeKeyInstead() }
                }
            case .enterCode:
                Section {
                    Text("Type the 6-digit code shown under the QR code.")
                    TextField("Code", text: $code).keyboardType(.numberPad).textContentType(.oneTimeCode)
                    Button("Move") { let c = code; model.run(app) { $0.submitCode($1, c) } }.disabled(code.filter(\.isNumber).count != 6)
                    Button("Scan the QR code instead") { model.scanAgain() }
                }
            case .typingKey:
                Section {
                    Text("Type the whole key shown on the old phone.")
                    TextField("Key", text: $key).textInputAutocapitalization(.characters).autocorrectionDisabled()
                    Button("Move") { let k = key; model.run(app) { $0.submitKeyText($1, k) } }.disabled(key.trimmingCharacters(in: .whitespaces).isEmpty)
                    Button("Scan the QR code instead") { model.scanAgain() }
                }
            case .importing:
                ProgressView()
                Text("Setting up this phone with your organisations…")
            case let .outcomes(out):
                Section {
                    Text(out.allMoved ? String(localized: "Everything moved to this phone.") : String(localized: "Not everything moved. See below."))
                }
                Section {
                    ForEach(Array(out.rows.enumerated()), id: \.offset) { _, row in
                        VStack(alignment: .leading) {
                            Text(verbatim: row.label)
                            Text(Self.statusText(row.status)).font(.footnote)
                            if let failure = row.failure { Text(verbatim: Problem.of(failure).message).font(.footnote).foregroundStyle(.secondary) }
                            if let m = row.managedOtp {
                                Text(m.added ? String(localized: "Your organisation's one-time-code account \(m.label) was added to this phone.")
                                             : String(localized: "Your organisation's one-time-code account \(m.label) was already on this phone.")).font(.footnote)
                            }
                        }
                    }
                }
                Section {
                    Text("Accounts added: \(out.accountsImported) (already here: \(out.accountsDuplicate))")
                    if out.accountsFailed > 0 { Text("Accounts that could not be added: \(out.accountsFailed)").foregroundStyle(.red) }
                    Button("Done") { path = app.pathAfterTransfer() }
                }
            }
            if let problem = model.problem { Text(problem.message).foregroundStyle(.red) }
        }
        .navigationTitle("Move from my old phone")
        .onDisappear { model.reset() }
        .fileImporter(isPresented: $picking, allowedContentTypes: [.json, .data]) { result in
            guard case let .success(url) = result else { return }
            // Never more than the library accepts in memory (32 MiB), whatever the file's size.
            guard let data = FileRead.bounded(url) else {
                model.fileNotRead()
                return
            }
            model.run(app) { $0.choosePackage($1, data) }
        }
    }

    private static func statusText(_ status: PhoneTransferImportFlow.MoveStatus) -> String {
        switch status {
        case .moved: return String(localized: "Moved. The old phone no longer approves sign-ins.")
        case .phoneSigninOff: return String(localized: "Moved, but phone sign-in is off: turn it on again.")
        case .notConfirmed: return String(localized: "Added, but the organisation could not be reached yet. Open Nyckel again when you are online.")
        case .notMoved: return String(localized: "Not moved. Ask for a new code to add this phone.")
        }
    }
}

/// Runs NyckelKit's PhoneTransferImportFlow on the FFI queue and publishes its steps.
@MainActor
final class MoveInModel: ObservableObject {
    @Published private(set) var step: PhoneTransferImportFlow.Step = .choosePackage
    @Published private(set) var problem: Problem?
    @Published private(set) var notATransferCode = false
    private let flow: PhoneTransferImportFlow

    init(deviceName: String) {
        var publishTo: ((PhoneTransferImportFlow.Step) -> Void)?
        flow = PhoneTransferImportFlow(deviceName: deviceName) { step in publishTo?(step) }
        publishTo = { [weak self] step in Task { @MainActor in self?.publish(step) } }
    }

    /// A Nyckel call of the flow on the FFI queue (the phone sign-in key's Face ID shows inside it).
    func run(_ app: AppModel, _ action: @escaping @Sendable (PhoneTransferImportFlow, PhoneTransferPort) -> Void) {
        let flow = self.flow
        Task {
            do {
                let approvals = try app.approvals()
                try await app.call { _ in
                    DeviceKeyPurpose.$current.withValue(.enablePhoneSignin) { action(flow, ApprovalsTransferPort(approvals)) }
                }
            } catch {
                let p = Problem.of(error)
                problem = p.isSilent ? nil : p
            }
        }
    }

    func scanned(_ text: String) { flow.scanned(text) }
    func typeKeyInstead() { flow.typeKeyInstead() }
    func scanAgain() { flow.scanAgain() }
    func reset() { flow.reset() }
    func fileNotRead() { problem = Problem(kind: .fileNotRead) }

    private func publish(_ step: PhoneTransferImportFlow.Step) {
        self.step = step
        problem = flow.error.map { Problem.of($0) }.flatMap { $0.isSilent ? nil : $0 }
        notATransferCode = flow.local == .notATransferCode
    }
}
