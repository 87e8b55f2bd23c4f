import AVFoundation
import SwiftUI
import UIKit

/// Camera QR scanner (AVCaptureSession + AVCaptureMetadataOutput, `.qr`): otpauth:// and
/// nyckel-enroll:// alike; the first usable code ends the scan.
struct ScannerScreen: View {
    @Binding var path: [Route]
    @EnvironmentObject private var app: AppModel
    @State private var hint: Problem?
    @State private var denied = false
    @State private var done = false

    var body: some View {
        ZStack(alignment: .bottom) {
            if denied {
                ContentUnavailableView("Camera not allowed", systemImage: "camera",
                                       description: Text("Nyckel needs the camera to scan QR codes. Allow it in Settings, or add the account from an image or by typing the setup key."))
            } else {
                QRScannerView { texts in
                    guard !done else { return }
                    switch ScannedCode.firstUsable(texts) {
                    case let code? where code.isUsable:
                        done = true
                        app.scanned = code
                        path.removeLast()
                        path.append(code.isEnrollment ? .enroll : .preview)
                    case .googleMigration?: hint = Problem(kind: .googleMigration)
                    case .notAnAccount?: hint = Problem(kind: .notAnAccount)
                    default: break
                    }
                }
                .ignoresSafeArea()
                RoundedRectangle(cornerRadius: 16).stroke(.white, lineWidth: 3).frame(width: 240, height: 240)
                    .frame(maxHeight: .infinity)
                VStack(spacing: 4) {
                    Text("Point the camera at the QR code")
                    if let hint { Text(hint.message).foregroundStyle(.yellow) }
                }
                .foregroundStyle(.white).padding().frame(maxWidth: .infinity).background(.black.opacity(0.6))
            }
        }
        .navigationTitle("Scan QR code")
        .navigationBarTitleDisplayMode(.inline)
        .task {
            switch AVCaptureDevice.authorizationStatus(for: .video) {
            case .authorized: break
            case .notDetermined: denied = !(await AVCaptureDevice.requestAccess(for: .video))
            default: denied = true
            }
        }
    }
}

struct QRScannerView: UIViewControllerRepresentable {
    let onCodes: ([String]) -> Void

    func makeUIViewController(context: Context) -> ScannerController {
        let c = ScannerController()
        c.onCodes = onCodes
        return c
    }

    func updateUIViewController(_ controller: ScannerController, context: Context) { controller.onCodes = onCodes }
}

final class ScannerController: UIViewController, AVCaptureMetadataOutputObjectsDelegate {
    var onCodes: ([String]) -> Void = { _ in }
    private let session = AVCaptureSession()
    private var preview: AVCaptureVideoPreviewLayer?
    private let sessionQueue = DispatchQueue(label: "app.nyckel.camera")

    override func viewDidLoad() {
        super.viewDidLoad()
        view.backgroundColor = .black
        guard let device = AVCaptureDevice.default(for: .video), let input = try? AVCaptureDeviceInput(device: device),
              session.canAddInput(input) else { return }
        session.addInput(input)
        let output = AVCaptureMetadataOutput()
        guard session.canAddOutput(output) else { return }
        session.addOutput(output)
        output.setMetadataObjectsDelegate(self, queue: .main)
        output.metadataObjectTypes = [.qr]
        let layer = AVCaptureVideoPreviewLayer(session: session)
        layer.videoGravity = .resizeAspectFill
        view.layer.addSublayer(layer)
        preview = layer
    }

    override func viewDidLayoutSubviews() {
        super.viewDidLayoutSubviews()
        preview?.frame = view.bounds
    }

    override func viewWillAppear(_ animated: Bool) {
        super.viewWillAppear(animated)
        sessionQueue.async { [session] in if !session.isRunning { session.startRunning() } }
    }

    override func viewWillDisappear(_ animated: Bool) {
        super.viewWillDisappear(animated)
        sessionQueue.async { [session] in if session.isRunning { session.stopRunning() } }
    }

    func metadataOutput(_ output: AVCaptureMetadataOutput, didOutput objects: [AVMetadataObject], from connection: AVCaptureConnection) {
        let texts = objects.compactMap { ($0 as? AVMetadataMachineReadableCodeObject)?.stringValue }
        if !texts.isEmpty { onCodes(texts) }
    }
}
