import Nyckel
import UIKit
import UserNotifications

/// APNs: the push is only `{"nyckel": 1, "requestId": "<id>"}` (plus a generic alert, or
/// content-available). The app takes the request id, and the approval screen fetches and
/// verifies the request with `pendingRequests()`; nothing from the push is shown as fact.
///
/// A notification tap that starts the app arrives here before SwiftUI has run `NyckelApp`'s
/// `.task` that sets [model]; so do the APNs token (registration happens at every launch).
/// Both are kept until the model is set and handed over then ([Handover], Logic/).
final class AppDelegate: NSObject, UIApplicationDelegate, UNUserNotificationCenterDelegate {
    @MainActor private var handover = Handover()

    @MainActor weak var model: AppModel? {
        didSet {
            guard let model else { return }
            let (requestId, token) = handover.take()
            if let token { model.pushTokenChanged(token) }
            if let requestId { model.pendingRequestId = requestId }
        }
    }

    func application(_ application: UIApplication, didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        UNUserNotificationCenter.current().delegate = self
        Self.registerIfAuthorised()
        return true
    }

    /// APNs tokens change (restore, reinstall, OS update) and must be fetched at every launch
    /// once the user allowed notifications; the model sends a changed one to the providers.
    static func registerIfAuthorised() {
        Task { @MainActor in
            let status = await UNUserNotificationCenter.current().notificationSettings().authorizationStatus
            if status == .authorized || status == .provisional || status == .ephemeral {
                UIApplication.shared.registerForRemoteNotifications()
            }
        }
    }

    @MainActor private func deliver(requestId: String) {
        if let model { model.pendingRequestId = requestId } else { handover.requestId = requestId }
    }

    /// Asked when the user sets up sign-in approvals (EnrollView), not at first launch.
    static func requestPushPermission() {
        UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound]) { granted, _ in
            guard granted else { return }
            DispatchQueue.main.async { UIApplication.shared.registerForRemoteNotifications() }
        }
    }

    func application(_ application: UIApplication, didRegisterForRemoteNotificationsWithDeviceToken deviceToken: Data) {
        let token = deviceToken.map { String(format: "%02x", $0) }.joined()
        Task { @MainActor in
            if let model { model.pushTokenChanged(token) } else { handover.token = token }
        }
    }

    /// A background push (content-available): show our own generic notification.
    func application(_ application: UIApplication, didReceiveRemoteNotification userInfo: [AnyHashable: Any]) async -> UIBackgroundFetchResult {
        guard let id = PushPayload.requestId(userInfo) else { return .noData }
        let content = UNMutableNotificationContent()
        content.title = String(localized: "Are you trying to sign in?")
        content.body = String(localized: "Open Nyckel to approve or deny")
        content.userInfo = ["nyckel": 1, "requestId": id]
        content.interruptionLevel = .timeSensitive
        try? await UNUserNotificationCenter.current().add(UNNotificationRequest(identifier: "sign-in-\(id)", content: content, trigger: nil))
        return .newData
    }

    func userNotificationCenter(_ center: UNUserNotificationCenter, didReceive response: UNNotificationResponse) async {
        guard let id = PushPayload.requestId(response.notification.request.content.userInfo) else { return }
        await MainActor.run { deliver(requestId: id) }
    }

    func userNotificationCenter(_ center: UNUserNotificationCenter, willPresent notification: UNNotification) async -> UNNotificationPresentationOptions {
        if let id = PushPayload.requestId(notification.request.content.userInfo) {
            await MainActor.run { deliver(requestId: id) }
        }
        return [.banner, .sound]
    }
}
