import SwiftUI
import UserNotifications

@main
struct NyckelApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var delegate
    @StateObject private var model = AppModel()
    @Environment(\.scenePhase) private var scenePhase

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(model)
                // Hide everything in the app switcher snapshot and whenever not active.
                .overlay { if scenePhase != .active { PrivacyCover() } }
                .onOpenURL { model.open(url: $0) }
                .task {
                    delegate.model = model
                    await model.load()
                }
        }
        .onChange(of: scenePhase) { _, phase in model.scenePhaseChanged(phase) }
    }
}

/// What the app switcher shows instead of codes.
struct PrivacyCover: View {
    var body: some View {
        ZStack {
            Color(.systemBackground).ignoresSafeArea()
            Image(systemName: "key.fill").font(.system(size: 56)).foregroundStyle(.tint)
        }
    }
}
