import Nyckel
import SwiftUI
import UIKit

/// Enrollment from a scanned nyckel-enroll:// code: `enroll(uri:deviceName:pushToken:)`
/// (creates the Secure Enclave device key, no prompt). Asks for notification permission here.
struct EnrollView: View {
    @Binding var path: [Route]
    @EnvironmentObject private var app: AppModel
    @State private var deviceName = UIDevice.current.name
    @State private var busy = false
    @State private var problem: Problem?

    var body: some View {
        Form {
            Text("Nyckel will register this phone with your organisation, so you can approve sign-ins here. A key is created in this phone's Secure Enclave; it never leaves the phone.")
            Section {
                TextField("Phone name", text: $deviceName)
            } footer: { Text("Shown in your organisation's list of your devices") }
            Button("Set up", action: enroll).disabled(busy || app.scanned?.isEnrollment != true)
            if busy { ProgressView() }
            if let problem { Text(problem.message).foregroundStyle(.red) }
        }
        .navigationTitle("Set up sign-in approvals")
        .onAppear { AppDelegate.requestPushPermission() }
        .onDisappear { app.scanned = nil }
    }

    private func enroll() {
        guard case let .enrollment(uri)? = app.scanned, let approvals = try? app.approvals() else { return }
        let name = String(deviceName.trimmingCharacters(in: .whitespaces).prefix(64))
        let token = app.pushToken.isEmpty ? nil : app.pushToken
        busy = true
        Task {
            do {
                let info = try await app.call { _ in try approvals.enroll(uri: uri, deviceName: name, pushToken: token) }
                app.scanned = nil
                path = [.enrollment(info.id)]
            } catch { problem = Problem.of(error) }
            busy = false
        }
    }
}
