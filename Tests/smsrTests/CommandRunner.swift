import Foundation
import TestSupport

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

    static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let shared: URL = repository.deletingLastPathComponent().appendingPathComponent("shared")

    static let officialModel = shared.appendingPathComponent("models/smsr_x2_official.safetensors").path

    /// Runs `binary` (the built `smsr`) with `arguments`, adding `environment` to `base` (by default this
    /// process's environment).
    static func run(_ arguments: [String], environment: [String: String] = [:],
                    base: [String: String] = ProcessInfo.processInfo.environment, binary: URL = executable) throws -> Outcome {
        let run = try Program.run(binary.path, arguments, environment: base.merging(environment) { $1 })
        return Outcome(status: run.status, stdout: run.output, stderr: run.errors)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("smsr-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
