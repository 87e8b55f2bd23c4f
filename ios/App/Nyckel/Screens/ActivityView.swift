import Nyckel
import SwiftUI

/// The activity log, newest first (`activity(limit:)`), localised by event.
struct ActivityView: View {
    @EnvironmentObject private var app: AppModel
    @State private var entries: [ActivityInfo] = []
    @State private var problem: Problem?

    var body: some View {
        List {
            if let problem { Text(problem.message).foregroundStyle(.red) }
            ForEach(entries, id: \.id) { e in
                VStack(alignment: .leading) {
                    Text(Self.text(e))
                    Text(Date(timeIntervalSince1970: TimeInterval(e.at)).formatted(date: .abbreviated, time: .shortened))
                        .font(.caption).foregroundStyle(.secondary)
                }
            }
        }
        .overlay { if entries.isEmpty && problem == nil { Text("Nothing yet.").foregroundStyle(.secondary) } }
        .navigationTitle("Activity")
        .task {
            do { entries = try await app.call { try $0.activity(limit: 200) } } catch { problem = Problem.of(error) }
        }
    }

    static func text(_ e: ActivityInfo) -> String {
        func title(_ issuer: String, _ name: String) -> String { displayTitle(issuer: issuer, name: name) }
        switch e.event {
        case let .accountAdded(_, issuer, name): return String(localized: "Added \(title(issuer, name))")
        case let .accountEdited(_, issuer, name): return String(localized: "Edited \(title(issuer, name))")
        case let .accountRemoved(_, issuer, name): return String(localized: "Removed \(title(issuer, name))")
        case let .exported(ids, format): return String(localized: "Exported \(ids.count) account(s) as \(format.uppercased())")
        case let .enrolled(_, provider, account): return String(localized: "Sign-in approvals set up for \(account) (\(provider))")
        case let .enrollmentRemoved(_, provider, account): return String(localized: "Sign-in approvals removed for \(account) (\(provider))")
        case let .phoneSignin(_, account, enabled):
            return enabled ? String(localized: "Phone sign-in turned on for \(account)") : String(localized: "Phone sign-in turned off for \(account)")
        case let .signIn(_, account, appName, ip, location, _, result, _):
            let place = [location, ip].filter { !$0.isEmpty }.joined(separator: ", ")
            let line: String
            switch result {
            case "approved": line = String(localized: "Approved sign-in of \(account) to \(appName)")
            case "denied": line = String(localized: "Denied sign-in of \(account) to \(appName)")
            case "reported": line = String(localized: "Reported sign-in of \(account) to \(appName)")
            default: line = String(localized: "Sign-in of \(account) to \(appName) not completed (\(result))")
            }
            return place.isEmpty ? line : "\(line) · \(place)"
        case .other: return e.summary
        }
    }
}
