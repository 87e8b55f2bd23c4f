import Nyckel
import SwiftUI

/// "Are you trying to sign in?" — fetched and verified with `pendingRequests()` (the push only
/// said that something is waiting), answered with `approve(requestId:number:)` / `deny` /
/// `report`. A passwordless approval signs with the phone-sign-in key: Face ID shows inside
/// the Secure Enclave signature.
@MainActor
final class ApprovalModel: ObservableObject {
    @Published var request: SignInRequest?
    @Published var queued = 0
    @Published var failures: [FetchFailure] = []
    @Published var number = "" { didSet { if number != NumberEntry.sanitize(number) { number = NumberEntry.sanitize(number) } } }
    @Published var secondsLeft: Int64 = 0
    @Published var outcome: SignInOutcome?
    /// After a report: until when the provider blocks new sign-ins and whom to contact.
    @Published var reported: ReportOutcome?
    @Published var finalProblem: Problem?
    @Published var problem: Problem?
    @Published var busy = false
    @Published var loading = true
    private var pending: [SignInRequest] = []
    private var countdown: Countdown?

    var canApprove: Bool { request != nil && !busy && outcome == nil && finalProblem == nil && secondsLeft > 0 && NumberEntry.parse(number) != nil }

    func run(_ app: AppModel) async {
        await refresh(app)
        var idle = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            if let c = countdown {
                secondsLeft = c.secondsLeft(now: ProcessInfo.processInfo.systemUptime)
                if secondsLeft == 0, outcome == nil, finalProblem == nil { finalProblem = Problem(kind: .requestExpired) }
            }
            idle += 1
            if request == nil, !busy, idle % 5 == 0 { await refresh(app) } // poll while waiting
        }
    }

    func refresh(_ app: AppModel) async {
        loading = true
        defer { loading = false }
        do {
            let approvals = try app.approvals()
            let result = try await app.call { _ in try approvals.pendingRequests() }
            pending = result.requests
            failures = result.failures
            let wanted = app.pendingRequestId
            app.pendingRequestId = nil
            if request == nil || !pending.contains(where: { $0.requestId == request?.requestId }) {
                show(pending.first { $0.requestId == wanted } ?? pending.first)
            }
            queued = max(0, pending.count - 1)
        } catch { problem = Problem.of(error) }
    }

    func next() -> Bool {
        pending.removeAll { $0.requestId == request?.requestId }
        show(pending.first)
        queued = max(0, pending.count - 1)
        return request != nil
    }

    private func show(_ r: SignInRequest?) {
        request = r
        number = ""; outcome = nil; reported = nil; finalProblem = nil; problem = nil
        countdown = r.map { Countdown(secondsLeftAtFetch: $0.secondsLeft, fetchedAt: ProcessInfo.processInfo.systemUptime) }
        secondsLeft = r?.secondsLeft ?? 0
    }

    func approve(_ app: AppModel) {
        guard let r = request, let n = NumberEntry.parse(number) else { return }
        decide(app) { approvals in
            let outcome = try approvals.approve(requestId: r.requestId, number: n)
            return (outcome, nil)
        }
    }

    func deny(_ app: AppModel) {
        guard let r = request else { return }
        decide(app) { approvals in
            let outcome = try approvals.deny(requestId: r.requestId)
            return (outcome, nil)
        }
    }

    func report(_ app: AppModel) {
        guard let r = request else { return }
        decide(app) { approvals in
            let block = try approvals.report(requestId: r.requestId)
            return (.reported, block)
        }
    }

    /// Runs one decision; `body` returns what the provider did and, for a report, the block it set.
    private func decide(_ app: AppModel, _ body: @escaping @Sendable (NyckelApprovals) throws -> (SignInOutcome, ReportOutcome?)) {
        guard let approvals = try? app.approvals() else { return }
        busy = true; problem = nil
        Task {
            do {
                let decided = try await app.call { _ in
                    try DeviceKeyPurpose.$current.withValue(.approveSignIn) { try body(approvals) }
                }
                outcome = decided.0; reported = decided.1
                countdown = nil; number = ""
            } catch {
                let p = Problem.of(error)
                if p.endsRequest { finalProblem = p; countdown = nil } else { problem = p.isSilent ? nil : p }
            }
            busy = false
        }
    }
}

struct ApprovalView: View {
    @EnvironmentObject private var app: AppModel
    @Environment(\.dismiss) private var dismiss
    @StateObject private var model = ApprovalModel()
    @State private var confirmReport = false

    var body: some View {
        Form {
            if let r = model.request {
                if let outcome = model.outcome {
                    Section {
                        switch outcome {
                        case .approved: Label("Sign-in approved", systemImage: "checkmark.circle.fill")
                        case .denied: Label("Sign-in denied", systemImage: "xmark.circle.fill")
                        case .reported: Label("Sign-in denied and reported", systemImage: "exclamationmark.shield.fill")
                        }
                        if let block = model.reported {
                            // The provider's block covers the user's own sign-ins too: until when, and whom to ask.
                            if let until = block.blockedUntil {
                                Text("New sign-ins to your account, your own too, are blocked until \(Date(timeIntervalSince1970: TimeInterval(until)).formatted(date: .omitted, time: .shortened)).")
                            } else {
                                Text("New sign-ins to your account, your own too, are blocked for a while.")
                            }
                            if let contact = block.contact { Text("Contact \(contact) if you need to sign in before then.") }
                        }
                        Button("Done") { if !model.next() { dismiss() } }
                    }
                } else if let p = model.finalProblem {
                    Section {
                        Text(p.message).font(.headline).foregroundStyle(.red)
                        Button("OK") { if !model.next() { dismiss() } }
                    }
                } else {
                    question(r)
                }
            } else if !model.loading {
                ContentUnavailableView("No sign-in waiting", systemImage: "bell",
                                       description: Text("When you sign in on a computer, the request shows here. Nyckel checks every few seconds while this screen is open."))
            }
            ForEach(model.failures, id: \.enrollmentId) { f in
                Text("Could not check one account: \(Problem.of(f).message)").font(.footnote).foregroundStyle(.red)
            }
        }
        .navigationTitle("Sign-in requests")
        .refreshable { await model.refresh(app) }
        .task { await model.run(app) }
        .confirmationDialog("Report this sign-in?", isPresented: $confirmReport, titleVisibility: .visible) {
            Button("Report", role: .destructive) { model.report(app) }
        } message: {
            Text("The sign-in is denied and reported to your organisation as suspicious. New sign-ins to your account are then blocked for a while, your own too, until the block ends or your administrator lifts it. Change your password if you did not try to sign in.")
        }
    }

    @ViewBuilder
    private func question(_ r: SignInRequest) -> some View {
        Section {
            Text("Are you trying to sign in?").font(.title2.bold())
            LabeledContent(r.issuer, value: r.accountName)
            LabeledContent("App", value: r.app)
            let place = [r.location, r.ip].filter { !$0.isEmpty }.joined(separator: " · ")
            if !place.isEmpty { LabeledContent("Location", value: place) }
            LabeledContent("Time", value: Date(timeIntervalSince1970: TimeInterval(r.createdAt)).formatted(date: .omitted, time: .shortened))
            Text("Expires in \(Countdown.format(model.secondsLeft))").font(.footnote).foregroundStyle(.secondary)
        }
        Section {
            if r.passwordless {
                Text("This is a phone sign-in without a password: Nyckel will ask for Face ID or Touch ID when you approve.")
            }
            Text("Enter the number shown to sign in").font(.headline)
            TextField("00", text: $model.number)
                .keyboardType(.numberPad).font(.system(size: 40, design: .monospaced)).multilineTextAlignment(.center)
            if let p = model.problem { Text(p.message).foregroundStyle(.red) }
            Button(r.passwordless ? String(localized: "Yes, approve with Face ID") : String(localized: "Yes, approve")) { model.approve(app) }
                .buttonStyle(.borderedProminent).disabled(!model.canApprove)
            Button("No, it's not me") { model.deny(app) }.disabled(model.busy)
            Button("Report", role: .destructive) { confirmReport = true }.disabled(model.busy)
            Text("Report if you did not try to sign in: the sign-in is stopped and your organisation is told someone may know your password.")
                .font(.footnote).foregroundStyle(.secondary)
            if model.queued > 0 { Text("\(model.queued) more waiting").font(.footnote) }
        }
    }
}
