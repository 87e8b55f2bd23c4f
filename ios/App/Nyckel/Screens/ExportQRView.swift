import CoreImage.CIFilterBuiltins
import Nyckel
import SwiftUI
import UIKit

/// The account's QR code, secret included: only after the warning and a tap
/// (`exportUri(id:via: .qr)`, logged). iOS cannot block screenshots, so the code is hidden
/// while the screen is recorded or mirrored, when the app leaves the foreground, and a
/// screenshot hides it too.
struct ExportQRView: View {
    let id: Int64
    @EnvironmentObject private var app: AppModel
    @Environment(\.scenePhase) private var scenePhase
    @State private var image: UIImage?
    @State private var captured = UIScreen.main.isCaptured
    @State private var problem: Problem?

    var body: some View {
        ScrollView {
            VStack(spacing: 16) {
                VStack(alignment: .leading, spacing: 8) {
                    Label("This QR code contains the secret key", systemImage: "exclamationmark.triangle.fill").font(.headline)
                    Text("Anyone who scans or photographs it can create your codes. Show it only to move the account to your own new phone, and not in public. Showing it is recorded in the activity log.")
                }
                .padding().background(.red.opacity(0.12), in: RoundedRectangle(cornerRadius: 12))
                if let image, !captured {
                    Image(uiImage: image).interpolation(.none).resizable().scaledToFit()
                        .accessibilityLabel(Text("QR code with the account's secret key"))
                    Button("Hide") { self.image = nil }
                } else if captured {
                    Text("The screen is being recorded or mirrored, so the QR code is hidden.")
                } else {
                    Button("I understand, show the QR code", action: show).buttonStyle(.borderedProminent)
                }
                if let problem { Text(problem.message).foregroundStyle(.red) }
            }
            .padding()
        }
        .navigationTitle("Show QR code")
        .onReceive(NotificationCenter.default.publisher(for: UIScreen.capturedDidChangeNotification)) { _ in captured = UIScreen.main.isCaptured }
        .onReceive(NotificationCenter.default.publisher(for: UIApplication.userDidTakeScreenshotNotification)) { _ in image = nil }
        .onChange(of: scenePhase) { _, phase in if phase != .active { image = nil } }
        .onDisappear { image = nil }
    }

    private func show() {
        Task {
            do {
                let uri = try await app.call { [id] in try $0.exportUri(id: id, via: .qr) }
                image = Self.render(uri)
            } catch { problem = Problem.of(error) }
        }
    }

    private static func render(_ text: String) -> UIImage? {
        let filter = CIFilter.qrCodeGenerator()
        filter.message = Data(text.utf8)
        filter.correctionLevel = "M"
        guard let output = filter.outputImage?.transformed(by: CGAffineTransform(scaleX: 10, y: 10)),
              let cg = CIContext().createCGImage(output, from: output.extent) else { return nil }
        return UIImage(cgImage: cg)
    }
}
