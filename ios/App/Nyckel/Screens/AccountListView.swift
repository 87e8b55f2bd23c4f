import Nyckel
import SwiftUI
import UIKit
import UniformTypeIdentifiers

/// The code list: one `codes()` batch per second while visible (never one call per account),
/// `accounts()` only on appear and when the cache is stale; HOTP codes on "Generate".
@MainActor
final class AccountListModel: ObservableObject {
    @Published var rows: [CodeRow] = []
    @Published var enrollments: [EnrollmentInfo] = []
    @Published var total = 0
    @Published var query = "" { didSet { rebuild() } }
    @Published var problem: Problem?
    @Published var copied = false
    private var accounts: [AccountInfo] = []
    private var codes: [AccountCode] = []
    private var hotp: [Int64: CodeInfo] = [:]

    func run(_ app: AppModel) async {
        await reload(app)
        while !Task.isCancelled {
            await tick(app)
            let now = Date().timeIntervalSince1970
            try? await Task.sleep(for: .milliseconds(Int((1 - now.truncatingRemainder(dividingBy: 1)) * 1000) + 1))
        }
        hotp = [:]
    }

    func generate(_ id: Int64, app: AppModel) async {
        do {
            hotp[id] = try await app.call { try $0.nextHotpCode(id: id) }
            rebuild()
        } catch { problem = Problem.of(error) }
    }

    /// Copies without the space, local-only and expiring after 30 s.
    func copy(_ row: CodeRow) {
        guard let code = row.rawCode else { return }
        UIPasteboard.general.setItems([[UTType.plainText.identifier: code]],
                                      options: [.localOnly: true, .expirationDate: Date().addingTimeInterval(30)])
        copied = true
        Task { try? await Task.sleep(for: .seconds(2)); copied = false }
    }

    private func reload(_ app: AppModel) async {
        do {
            accounts = try await app.call { try $0.accounts() }
            if let approvals = try? app.approvals() {
                enrollments = (try? await Blocking.run { try approvals.enrollments() }) ?? []
            }
            total = accounts.count
        } catch { problem = Problem.of(error) }
    }

    private func tick(_ app: AppModel) async {
        do {
            codes = try await app.call { try $0.codes() }
            if rebuild() {
                await reload(app)
                rebuild()
            }
        } catch { problem = Problem.of(error) }
    }

    @discardableResult
    private func rebuild() -> Bool {
        let (built, stale) = CodeRows.build(accounts: accounts, codes: codes, hotp: hotp, filter: query)
        rows = built
        return stale
    }
}

struct AccountListView: View {
    @Binding var path: [Route]
    @EnvironmentObject private var app: AppModel
    @StateObject private var model = AccountListModel()

    var body: some View {
        List {
            ForEach(model.rows) { row in
                CodeRowView(row: row, onGenerate: { Task { await model.generate(row.id, app: app) } })
                    .contentShape(Rectangle())
                    .onTapGesture { model.copy(row) }
                    .swipeActions { Button("Details") { path.append(.account(row.id)) } }
                    .contextMenu { Button("Account details") { path.append(.account(row.id)) } }
            }
            if !model.enrollments.isEmpty {
                Section("Sign-in approvals") {
                    ForEach(model.enrollments, id: \.id) { e in
                        NavigationLink(value: Route.enrollment(e.id)) {
                            VStack(alignment: .leading) {
                                Text(e.issuer.isEmpty ? e.providerUrl : e.issuer)
                                Text(e.phoneSigninEnabled ? String(localized: "\(e.accountName) · Phone sign-in on") : String(localized: "\(e.accountName) · Approvals on"))
                                    .font(.caption).foregroundStyle(.secondary)
                            }
                        }
                    }
                }
            }
        }
        .overlay {
            if model.total == 0 && model.enrollments.isEmpty {
                ContentUnavailableView {
                    Label("No accounts yet", systemImage: "key")
                } description: {
                    Text("Tap + and scan the QR code your organisation or website shows.")
                } actions: {
                    // A new phone: the first-run way back to the accounts of the old one.
                    Button("Restore from backup") { path.append(.restore) }
                }
            }
        }
        .searchable(text: $model.query, prompt: "Search accounts")
        .navigationTitle("Nyckel")
        .toolbar {
            ToolbarItemGroup(placement: .topBarLeading) {
                Button { app.lock() } label: { Label("Lock now", systemImage: "lock") }
                Button { path.append(.settings) } label: { Label("Settings", systemImage: "gearshape") }
            }
            ToolbarItemGroup(placement: .topBarTrailing) {
                Button { path.append(.approve) } label: { Label("Sign-in requests", systemImage: "bell") }
                Button { path.append(.activity) } label: { Label("Activity", systemImage: "list.bullet") }
                Button { path.append(.add) } label: { Label("Add account", systemImage: "plus") }
            }
        }
        .overlay(alignment: .bottom) {
            if model.copied {
                Text("Code copied. It is cleared from the clipboard in 30 seconds.")
                    .padding().background(.thinMaterial, in: Capsule()).padding()
            }
        }
        .alert(model.problem?.message ?? "", isPresented: Binding(get: { model.problem != nil }, set: { if !$0 { model.problem = nil } })) {}
        .task { await model.run(app) } // cancelled when the view disappears: no ticking off screen
    }
}

struct CodeRowView: View {
    let row: CodeRow
    let onGenerate: () -> Void

    var body: some View {
        HStack {
            VStack(alignment: .leading, spacing: 2) {
                Text(row.issuer.isEmpty ? row.name : row.issuer).font(.headline).lineLimit(1)
                if !row.issuer.isEmpty && !row.name.isEmpty { Text(row.name).font(.subheadline).foregroundStyle(.secondary).lineLimit(1) }
                if let code = row.code {
                    Text(verbatim: code).font(.system(.title, design: .monospaced)).foregroundStyle(.tint)
                        .accessibilityLabel(Text(verbatim: code.map { String($0) }.joined(separator: " ")))
                }
            }
            Spacer()
            if row.isHotp {
                Button("Generate", systemImage: "arrow.clockwise", action: onGenerate).buttonStyle(.bordered)
            } else if let fraction = row.fraction, let left = row.secondsLeft {
                CountdownRing(fraction: fraction, secondsLeft: left)
            }
        }
        .accessibilityHint(Text("Copy code"))
    }
}

struct CountdownRing: View {
    let fraction: Double
    let secondsLeft: Int

    var body: some View {
        ZStack {
            Circle().stroke(.quaternary, lineWidth: 3)
            Circle().trim(from: 0, to: fraction).stroke(secondsLeft <= 5 ? Color.red : Color.accentColor, style: StrokeStyle(lineWidth: 3, lineCap: .round))
                .rotationEffect(.degrees(-90))
                .animation(.linear(duration: 1), value: fraction)
            Text(verbatim: "\(secondsLeft)").font(.caption2.monospacedDigit())
        }
        .frame(width: 32, height: 32)
        .accessibilityLabel(Text("\(secondsLeft) seconds left"))
    }
}
