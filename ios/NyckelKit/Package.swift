// swift-tools-version:5.9
//
// NyckelKit: the Swift face of nyckel-core for the iOS app.
//
//   NyckelFFI  C module: the uniffi-generated header + module map (Sources/NyckelFFI/include,
//              generated, not committed) and the Rust library `nyckel_ffi`.
//   Nyckel     the uniffi-generated Swift (Sources/Nyckel/Generated, not committed) plus a
//              small Swift layer (Sources/Nyckel/*.swift).
//
// Generate the bindings first: scripts/test-swift.sh does it for the Linux tests,
// scripts/build-mobile.sh for iOS. When NyckelFFI.xcframework exists next to this file
// (built by scripts/build-mobile.sh ios on a Mac), the FFI module comes from it; otherwise
// the C target links libnyckel_ffi from the linker search path (pass
// `-Xlinker -L<dir>` as scripts/test-swift.sh does).
import PackageDescription
import Foundation

let packageDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
let useXCFramework = FileManager.default.fileExists(atPath: packageDir + "/NyckelFFI.xcframework")

let ffiTarget: Target = useXCFramework
    ? .binaryTarget(name: "NyckelFFI", path: "NyckelFFI.xcframework")
    : .target(
        name: "NyckelFFI",
        path: "Sources/NyckelFFI",
        linkerSettings: [.linkedLibrary("nyckel_ffi")]
    )

let package = Package(
    name: "NyckelKit",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Nyckel", targets: ["Nyckel"]),
    ],
    targets: [
        ffiTarget,
        .target(
            name: "Nyckel",
            dependencies: ["NyckelFFI"],
            path: "Sources/Nyckel"
        ),
        // libcrypto for the tests' key protector on Linux (Apple platforms use CryptoKit).
        .systemLibrary(
            name: "COpenSSLCrypto",
            path: "Tests/COpenSSLCrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .testTarget(
            name: "NyckelTests",
            dependencies: [
                "Nyckel",
                .target(name: "COpenSSLCrypto", condition: .when(platforms: [.linux])),
            ],
            path: "Tests/NyckelTests"
        ),
    ]
)
