import Nyckel
import SwiftUI
import UniformTypeIdentifiers

/// Settings → "Automatisk säkerhetskopia": choose a folder (`.fileImporter` of a folder, kept
/// as a bookmark), type the recovery passphrase or code, turn on; shows the last backup's
/// outcome; turn off. Draws Logic/AutoBackupSettings (tested in "iOS app logic").
struct AutoBackupView: View {
    @EnvironmentObject private var app: AppModel
    @State private var step: AutoBackupSettings.Step = .off
    @State private var chosen: (bookmark: Data, name: String)?
    @State private var secret = ""
    @State private var choosing = false
    @State private var problem: Problem?
    @State private var busy = false

    var body: some View {
        Form {
            Section {
                Text("After every change, Nyckel writes an encrypted backup to the folder you choose (a cloud drive keeps it safe if the phone is lost). It opens with your recovery passphrase or code on a new phone, Android or iPhone.")
            }
            switch step {
            case let .on(folderName, last):
                Section {
                    Text("On: \(folderName)")
                    if case let .written(accounts)? = last { Text("Backed up: \(accounts) accounts.") }
                    if case .notWritten? = last {
                        Text("The last backup could not be written to the folder. Nyckel tries again after the next change; the previous backup is still there.").foregroundStyle(.red)
                    }
                    if case .refused? = last {
                        Text("Nyckel could not make the backup. Turn automatic backup off and on again.").foregroundStyle(.red)
                    }
                    Button("Turn off", role: .destructive) { perform { $0.turnOff() } }.disabled(busy)
                } footer: { Text("The last backup file stays in the folder.") }
            case .off:
                Section {
                    Button("Choose a folder") { choosing = true }.disabled(busy)
                    if let chosen { Text("Folder: \(chosen.name)") }
                    SecureField("Recovery passphrase or code", text: $secret)
                    Button("Turn on", action: turnOn).disabled(busy || chosen == nil || secret.isEmpty)
                }
            }
            if let problem { Text(problem.message).foregroundStyle(.red) }
        }
        .navigationTitle("Automatic backup")
        .fileImporter(isPresented: $choosing, allowedContentTypes: [.folder]) { result in
            guard case let .success(url) = result else { return }
            do {
                chosen = (try BookmarkedBackupFolder.bookmark(of: url), url.lastPathComponent)
            } catch {
                problem = Problem.of(error)
            }
        }
        .task { perform { _ in } }
    }

    private func turnOn() {
        guard let chosen else { return }
        let typed = secret
        perform { $0.turnOn(folder: chosen.bookmark, folderName: chosen.name, typedSecret: typed) }
    }

    private func perform(_ action: @escaping @Sendable (AutoBackupSettings) -> Void) {
        busy = true; problem = nil
        Task {
            do {
                let settings = try app.autoBackup()
                try await Blocking.run { action(settings) }
                step = settings.step
                problem = settings.problem
                if problem == nil { secret = "" }
            } catch {
                let p = Problem.of(error)
                problem = p.isSilent ? nil : p
            }
            busy = false
        }
    }
}
