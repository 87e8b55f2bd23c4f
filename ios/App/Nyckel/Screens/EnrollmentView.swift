import Nyckel
import SwiftUI

/// A work/school account enrolled for approvals: "Phone sign-in" (Aktivera telefoninloggning:
/// `enablePhoneSignin` creates the Face ID key and proves it — Face ID shows in that
/// signature) and removal (`removeEnrollment`).
struct EnrollmentView: View {
    let id: Int64
    @Binding var path: [Route]
    @EnvironmentObject private var app: AppModel
    @State private var info: EnrollmentInfo?
    @State private var busy = false
    @State private var confirmRemove = false
    @State private var problem: Problem?

    var body: some View {
        Form {
            if let e = info {
                LabeledContent("Account", value: e.accountName)
                LabeledContent("Organisation", value: e.providerUrl)
                LabeledContent("Phone name", value: e.deviceName)
                Section {
                    Toggle("Phone sign-in", isOn: Binding(get: { e.phoneSigninEnabled }, set: setPhoneSignin)).disabled(busy)
                } footer: { Text("Sign in without a password: approve with the number and Face ID or Touch ID.") }
                Button("Remove from this phone", role: .destructive) { confirmRemove = true }.disabled(busy)
            }
            if busy { ProgressView() }
            if let problem { Text(problem.message).foregroundStyle(.red) }
        }
        .navigationTitle(info?.issuer ?? "")
        .task { await reload() }
        .confirmationDialog("Remove sign-in approvals?", isPresented: $confirmRemove, titleVisibility: .visible) {
            Button("Remove from this phone", role: .destructive, action: remove)
        } message: {
            Text("This phone will no longer get sign-in requests for this account, and its keys are deleted. To use it again you need a new code from your organisation.")
        }
    }

    private func reload() async {
        do {
            let approvals = try app.approvals()
            info = try await app.call { _ in try approvals.enrollments() }.first { $0.id == id }
            if info == nil { problem = Problem(kind: .enrollmentNotFound) }
        } catch { problem = Problem.of(error) }
    }

    private func setPhoneSignin(_ on: Bool) {
        perform {
            let approvals = try app.approvals()
            try await app.call { [id] _ in
                if on {
                    try DeviceKeyPurpose.$current.withValue(.enablePhoneSignin) { try approvals.enablePhoneSignin(enrollmentId: id) }
                } else {
                    try approvals.disablePhoneSignin(enrollmentId: id)
                }
            }
            await reload()
        }
    }

    private func remove() {
        perform {
            let approvals = try app.approvals()
            _ = try await app.call { [id] _ in try approvals.removeEnrollment(enrollmentId: id) }
            path.removeLast()
        }
    }

    private func perform(_ body: @escaping () async throws -> Void) {
        busy = true; problem = nil
        Task {
            do { try await body() } catch { let p = Problem.of(error); problem = p.isSilent ? nil : p }
            busy = false
        }
    }
}
