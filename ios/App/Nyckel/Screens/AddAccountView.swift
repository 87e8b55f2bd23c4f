import CoreImage
import PhotosUI
import SwiftUI

/// Add: scan with the camera, pick an image with a QR code (CIDetector), or type the key.
struct AddAccountView: View {
    @Binding var path: [Route]
    @EnvironmentObject private var app: AppModel
    @State private var photo: PhotosPickerItem?
    @State private var problem: Problem?

    var body: some View {
        List {
            Button { path.append(.scan) } label: { Label("Scan QR code", systemImage: "qrcode.viewfinder") }
            PhotosPicker(selection: $photo, matching: .images) { Label("QR code from an image", systemImage: "photo") }
            Button { path.append(.manual) } label: { Label("Enter a setup key", systemImage: "keyboard") }
            if let problem { Text(problem.message).foregroundStyle(.red) }
        }
        .navigationTitle("Add account")
        .onChange(of: photo) { _, item in
            guard let item else { return }
            photo = nil
            Task {
                let data = try? await item.loadTransferable(type: Data.self)
                let texts = data.map(QRImage.decode) ?? []
                switch ScannedCode.firstUsable(texts) {
                case nil: problem = Problem(kind: .noQRFound)
                case .googleMigration?: problem = Problem(kind: .googleMigration)
                case .notAnAccount?: problem = Problem(kind: .notAnAccount)
                case let code?:
                    app.scanned = code
                    path.append(code.isEnrollment ? .enroll : .preview)
                }
            }
        }
    }
}

/// QR codes in a still image, with Core Image (on device, nothing stored).
enum QRImage {
    static func decode(_ data: Data) -> [String] {
        guard let image = CIImage(data: data),
              let detector = CIDetector(ofType: CIDetectorTypeQRCode, context: nil, options: [CIDetectorAccuracy: CIDetectorAccuracyHigh])
        else { return [] }
        return detector.features(in: image).compactMap { ($0 as? CIQRCodeFeature)?.messageString }
    }
}
