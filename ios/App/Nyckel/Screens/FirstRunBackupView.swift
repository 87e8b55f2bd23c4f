import Nyckel
import SwiftUI

/// The first run's offer of automatic encrypted backups (docs/recovery.md §5), after the
/// recovery code or passphrase (and after a chosen restore or move): choose a folder
/// (`.fileImporter`, kept as a bookmark; sealed with the secret just set), confirm replacing a
/// Nyckel backup already there, or not now. Draws Logic/FirstRunFlow.
struct FirstRunBackupView: View {
    @Binding var path: [Route]
    @EnvironmentObject private var app: AppModel
    @State private var step: FirstRunFlow.Step?
    @State private var choosing = false
    @State private var busy = false
    @State private var problem: Problem?

    var body: some View {
        Form {
            Section {
                Text("Nyckel can keep an encrypted copy of your accounts in a folder you choose (a cloud drive keeps it safe if this phone is lost), updated after every change. It opens with the recovery code or passphrase you just set, on a new phone too.")
            }
            switch step {
            case let .backupOffer(offerProblem)?:
                Section {
                    Button("Choose a folder") { choosing = true }.disabled(busy)
                    if let p = offerProblem ?? problem { Text(p.message).foregroundStyle(.red) }
                    Button("Not now (Settings → Automatic backup turns it on later)") { perform { $0.skipBackups() } }.disabled(busy)
                }
            case let .confirmReplace(folderName)?:
                Section {
                    Text("This folder already has a Nyckel backup")
                    Text(verbatim: folderName).font(.footnote)
                    Text("Replace it with this phone's backup? If it is the backup you want to restore, restore it first (Settings → Restore from backup).")
                    Button("Replace it", role: .destructive) { perform { $0.replace() } }.disabled(busy)
                    Button("Choose another folder") { perform { $0.chooseAnother() } }.disabled(busy)
                }
            default:
                Section {
                    if case let .done(folder?, _)? = step { Text("On: \(folder)") }
                    Button("Done") { path = app.firstRunPath() }
                }
            }
            if busy { ProgressView() }
        }
        .navigationTitle("Automatic backups")
        .navigationBarBackButtonHidden(true)
        .fileImporter(isPresented: $choosing, allowedContentTypes: [.folder]) { result in
            guard case let .success(url) = result else { return }
            do {
                let bookmark = try BookmarkedBackupFolder.bookmark(of: url)
                let name = url.lastPathComponent
                perform { $0.chooseFolder(bookmark, name: name) }
            } catch {
                problem = Problem.of(error)
            }
        }
        .onAppear { step = app.firstRun?.step }
    }

    /// Turning on runs Argon2id once and writes the first backup: on the FFI queue.
    private func perform(_ action: @escaping @Sendable (FirstRunFlow) -> Void) {
        guard let flow = app.firstRun, !busy else { return }
        busy = true
        problem = nil
        Task {
            _ = try? await Blocking.run { action(flow) }
            step = flow.step
            busy = false
        }
    }
}
