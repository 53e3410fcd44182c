import Foundation

/// Runs the built `smsr` executable as a user would, capturing its output.
struct CommandRunner {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The products folder holds both the test bundle and the `smsr` executable.
    static let executable: URL = {
        var url = Bundle.main.bundleURL
        while url.path != "/" && !FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("smsr").path) {
            url = url.deletingLastPathComponent()
        }
        return url.appendingPathComponent("smsr")
    }()

    static let shared: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared")

    static let officialModel = shared.appendingPathComponent("models/smsr_x2_official.safetensors").path

    /// Runs `binary` (the built `smsr`) with `arguments`, adding `environment` to `base` (by default this
    /// process's environment).
    static func run(_ arguments: [String], environment: [String: String] = [:],
                    base: [String: String] = ProcessInfo.processInfo.environment, binary: URL = executable) throws -> Outcome {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = base.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes to the end before waiting, so a chatty child cannot block on a full pipe.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                       stderr: String(decoding: errData, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("smsr-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
