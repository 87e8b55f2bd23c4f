import Nyckel
import SwiftUI

enum Route: Hashable {
    case add, scan, preview, manual, account(Int64), export(Int64), activity, settings, approve, enroll, enrollment(Int64)
    case importAccounts, backup, autoBackup, restore, moveOut, moveIn, recoverySetup, firstRunBackup
}

/// The lock gate: nothing of the vault is on screen unless it is unlocked; locking drops the
/// navigation stack and its models.
struct RootView: View {
    @EnvironmentObject private var model: AppModel

    var body: some View {
        switch model.state {
        case .loading: ProgressView()
        case .noVault: CreateVaultView()
        case let .locked(hasBiometricKey): LockView(hasBiometricKey: hasBiometricKey)
        case let .broken(problem):
            ContentUnavailableView("Nyckel cannot open your accounts", systemImage: "exclamationmark.triangle",
                                   description: Text(problem.message + "\n" + String(localized: "The file has been left as it is. Update Nyckel, or contact support.")))
        case .unlocked: MainView()
        }
    }
}

struct MainView: View {
    @EnvironmentObject private var model: AppModel
    @State private var path: [Route] = []

    var body: some View {
        NavigationStack(path: $path) {
            AccountListView(path: $path)
                .navigationDestination(for: Route.self) { route in
                    switch route {
                    case .add: AddAccountView(path: $path)
                    case .scan: ScannerScreen(path: $path)
                    case .preview: AddPreviewView(path: $path)
                    case .manual: ManualEntryView(path: $path)
                    case let .account(id): AccountDetailView(id: id, path: $path)
                    case let .export(id): ExportQRView(id: id)
                    case .activity: ActivityView()
                    case .settings: SettingsView()
                    case .importAccounts: ImportView(restore: false, path: $path)
                    case .restore: ImportView(restore: true, path: $path)
                    case .backup: BackupView()
                    case .autoBackup: AutoBackupView()
                    case .moveOut: MoveOutView()
                    case .moveIn: MoveInView(path: $path)
                    case .recoverySetup: RecoverySetupView(path: $path)
                    case .firstRunBackup: FirstRunBackupView(path: $path)
                    case .approve: ApprovalView()
                    case .enroll: EnrollView(path: $path)
                    case let .enrollment(id): EnrollmentView(id: id, path: $path)
                    }
                }
        }
        .onChange(of: model.pendingRequestId, initial: true) { _, id in
            if id != nil, path.last != .approve { path.append(.approve) }
        }
        .onAppear {
            // The first run (Logic/FirstRunFlow) opens its current step; each step's view
            // reports to it and sets the path it gives next.
            path = model.firstRunPath()
        }
        .onChange(of: path) { _, now in
            // The system back button left the first run's restore or move: on to the offer.
            if now.isEmpty, model.firstRun?.step == .restoring || model.firstRun?.step == .movingIn {
                path = model.pathAfterTransfer()
            }
        }
        .onChange(of: model.incomingLink, initial: true) { _, link in
            guard let link else { return }
            model.incomingLink = nil
            model.scanned = link
            path.append(link.isEnrollment ? .enroll : .preview)
        }
    }
}

extension ScannedCode {
    var isEnrollment: Bool { if case .enrollment = self { return true } else { return false } }
}
