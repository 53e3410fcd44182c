// swift-tools-version:6.1
import PackageDescription

// The engine's numeric code runs optimized even in debug builds: `swift test` would otherwise spend
// minutes in unoptimized float loops. These flags are allowed because this is the root package.
let optimizedSwift: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
    name: "smsr-serve",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "smsr", targets: ["smsr"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .target(
            name: "CCodecs",
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]
        ),
        .target(name: "Imaging", dependencies: ["CCodecs"], swiftSettings: optimizedSwift),
        .target(name: "SMSR", swiftSettings: optimizedSwift),
        .target(name: "HTTPServer", dependencies: [.product(name: "Logging", package: "swift-log")]),
        .target(
            name: "UpscaleService",
            dependencies: [
                "HTTPServer", "Imaging", "SMSR",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "smsr",
            dependencies: [
                "UpscaleService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"], exclude: ["oracle.py"]),
        .testTarget(name: "SMSRTests", dependencies: ["SMSR", "Imaging"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
        .testTarget(name: "UpscaleServiceTests", dependencies: ["UpscaleService"]),
        .testTarget(name: "smsrTests", dependencies: ["smsr"]),
    ]
)
