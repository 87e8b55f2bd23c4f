import Nyckel
import SwiftUI

/// Rename, note, delete (with confirmation); "Show QR code"; the linked enrollment.
struct AccountDetailView: View {
    let id: Int64
    @Binding var path: [Route]
    @EnvironmentObject private var app: AppModel
    @State private var account: AccountInfo?
    @State private var issuer = ""
    @State private var name = ""
    @State private var note = ""
    @State private var enrollmentId: Int64?
    @State private var confirmDelete = false
    @State private var problem: Problem?

    var body: some View {
        Form {
            if let a = account {
                Section {
                    TextField("Service", text: $issuer)
                    TextField("Account", text: $name)
                    TextField("Note", text: $note, axis: .vertical)
                    Button("Save", action: save).disabled(issuer == a.issuer && name == a.name && note == a.note)
                }
                Section {
                    Text(kindText(OtpInfo(kind: a.kind, issuer: a.issuer, name: a.name, algorithm: a.algorithm, digits: a.digits, period: a.period, counter: a.counter)))
                    Text("Added \(Date(timeIntervalSince1970: TimeInterval(a.createdAt)).formatted(date: .abbreviated, time: .shortened))")
                        .font(.footnote).foregroundStyle(.secondary)
                }
                if let enrollmentId { Button("Sign-in approvals for this account") { path.append(.enrollment(enrollmentId)) } }
                Button("Show QR code") { path.append(.export(id)) }
                Button("Delete", role: .destructive) { confirmDelete = true }
            }
            if let problem { Text(problem.message).foregroundStyle(.red) }
        }
        .navigationTitle("Account details")
        .task { await load() }
        .confirmationDialog("Delete this account?", isPresented: $confirmDelete, titleVisibility: .visible) {
            Button("Delete", role: .destructive, action: delete)
        } message: {
            Text("\(displayName) will be removed from Nyckel. Make sure you can still sign in another way, or turn off two-step verification on the website first.")
        }
    }

    private var displayName: String { account.map { $0.issuer.isEmpty ? $0.name : $0.issuer } ?? "" }

    private func load() async {
        do {
            let a = try await app.call { [id] in try $0.account(id: id) }
            account = a; issuer = a.issuer; name = a.name; note = a.note
            if let approvals = try? app.approvals() {
                enrollmentId = (try? await Blocking.run { try approvals.enrollments() })?.first { $0.otpAccountId == id }?.id
            }
        } catch { problem = Problem.of(error) }
    }

    private func save() {
        guard let a = account else { return }
        let changes = AccountChanges(issuer: issuer == a.issuer ? nil : issuer, name: name == a.name ? nil : name, note: note == a.note ? nil : note)
        Task {
            do {
                let updated = try await app.call { [id] in try $0.updateAccount(id: id, changes: changes) }
                account = updated
            } catch { problem = Problem.of(error) }
        }
    }

    private func delete() {
        Task {
            do {
                try await app.call { [id] in try $0.deleteAccount(id: id) }
                path.removeLast()
            } catch { problem = Problem.of(error) }
        }
    }
}
