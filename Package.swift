// swift-tools-version:6.1
import PackageDescription

// SMSR_TARGET_CPU (an LLVM CPU name such as `haswell`; unset or `portable` for the baseline) lets a build
// assume a newer CPU outside the kernels, which are built per instruction set and chosen at start-up anyway.
let targetCPU = Context.environment["SMSR_TARGET_CPU"].flatMap { $0.isEmpty || $0 == "portable" ? nil : $0 }
let targetCPUSwiftFlags = targetCPU.map { ["-target-cpu", $0] } ?? []
let targetCPUCFlags = targetCPU.map { ["-march=\($0)"] } ?? []

// The engine's numeric code runs optimized even in debug builds: `swift test` would otherwise spend
// minutes in unoptimized float loops. These flags are allowed because this is the root package.
let optimizedSwift: [SwiftSetting] = [.unsafeFlags(["-O"] + targetCPUSwiftFlags)]

// The vector kernels are compiled once per vector width from the same sources (symlinked from
// Sources/SMSR/Kernels/Vector), and one build's table is chosen at start-up from CPUID. Without -target-cpu,
// SIMD16 arithmetic becomes scalar calls; on aarch64 NEON is the baseline and the 8-lane build serves it.
// Whole-module optimization: the register tiles are generic and only fast when specialized where they are called,
// which a file-by-file debug build cannot do across files (scripts/check-kernel-specialization.sh checks the result).
#if arch(x86_64)
let wideKernelFlags = ["-O", "-wmo", "-num-threads", "2", "-target-cpu", "skylake-avx512"]
let narrowKernelFlags = ["-O", "-wmo", "-num-threads", "2", "-target-cpu", "haswell"]
#else
let wideKernelFlags = ["-O", "-wmo", "-num-threads", "2"]
let narrowKernelFlags = ["-O", "-wmo", "-num-threads", "2"]
#endif

// SMSR_FUZZ=1 adds the libFuzzer runner, built only by scripts/fuzz.sh with `--sanitize=fuzzer`, which
// supplies its `main`; other builds never see it.
let fuzzing = Context.environment["SMSR_FUZZ"] == "1"

let package = Package(
    name: "smsr-serve",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "smsr", targets: ["smsr"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "CCodecs",
            cSettings: [.unsafeFlags(["-O2"] + targetCPUCFlags)],
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("webp")]
        ),
        .target(name: "Imaging", dependencies: ["CCodecs"], swiftSettings: optimizedSwift),
        .target(name: "SMSRCPU", cSettings: [.unsafeFlags(["-O2"] + targetCPUCFlags)]),
        .target(
            name: "SMSRKernels16Lanes",
            dependencies: ["SMSRCPU"],
            swiftSettings: [.unsafeFlags(wideKernelFlags), .define("SMSR_WIDE_VECTORS")]
        ),
        .target(name: "SMSRKernels8Lanes", dependencies: ["SMSRCPU"], swiftSettings: [.unsafeFlags(narrowKernelFlags)]),
        .target(
            name: "SMSR",
            dependencies: ["SMSRCPU", "SMSRKernels16Lanes", "SMSRKernels8Lanes"],
            exclude: ["Kernels/Vector"],
            swiftSettings: optimizedSwift
        ),
        // libnghttp2 from the system (Debian: libnghttp2-dev), for HTTP/2 framing, HPACK and flow control.
        .systemLibrary(name: "CNGHTTP2", pkgConfig: "libnghttp2", providers: [.apt(["libnghttp2-dev"])]),
        .target(name: "HTTPServer", dependencies: ["CNGHTTP2", .product(name: "Logging", package: "swift-log")]),
        // The default weights, embedded from Models/ with C23 #embed.
        .target(name: "DefaultModels", cSettings: [.unsafeFlags(["-std=gnu2x"])]),
        .target(
            name: "UpscaleService",
            dependencies: [
                "HTTPServer", "Imaging", "SMSR", "DefaultModels",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "smsr",
            dependencies: [
                "UpscaleService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What each fuzz target feeds one input to; replayed from its corpus by FuzzReplayTests.
        .target(name: "FuzzTargets", dependencies: ["HTTPServer", "Imaging", "UpscaleService"], path: "Tests/FuzzTargets"),
        // What several test targets share: running a program, waiting on other threads.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"], exclude: ["oracle.py"]),
        .testTarget(name: "SMSRTests", dependencies: ["SMSR", "Imaging"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "TestSupport"], exclude: ["Support/h2frames.py"]),
        .testTarget(
            name: "UpscaleServiceTests",
            dependencies: ["UpscaleService", "TestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "smsrTests", dependencies: ["smsr", "Imaging", "TestSupport"]),
        .testTarget(name: "FuzzReplayTests", dependencies: ["FuzzTargets"]),
    ]
)

if fuzzing {
    package.targets.append(.executableTarget(
        name: "smsr-fuzz", dependencies: ["FuzzTargets"], path: "Fuzz/Runner",
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
}
