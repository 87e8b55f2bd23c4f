import Nyckel
import UIKit
import UserNotifications

/// APNs: the push is only `{"nyckel": 1, "requestId": "<id>"}` (plus a generic alert, or
/// content-available). The app takes the request id, and the approval screen fetches and
/// verifies the request with `pendingRequests()`; nothing from the push is shown as fact.
final class AppDelegate: NSObject, UIApplicationDelegate, UNUserNotificationCenterDelegate {
    weak var model: AppModel?

    func application(_ application: UIApplication, didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        UNUserNotificationCenter.current().delegate = self
        return true
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
        Task { @MainActor in model?.pushTokenChanged(token) }
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
        await MainActor.run { model?.pendingRequestId = id }
    }

    func userNotificationCenter(_ center: UNUserNotificationCenter, willPresent notification: UNNotification) async -> UNNotificationPresentationOptions {
        if let id = PushPayload.requestId(notification.request.content.userInfo) {
            await MainActor.run { model?.pendingRequestId = id }
        }
        return [.banner, .sound]
    }
}
