import Foundation

/// Runs a program to completion and collects what it printed. Standard error is drained on another thread
/// while standard output is read here, so a child that fills one pipe while the other is being read cannot
/// block, however much it writes to either.
public enum Program {
    public struct Outcome: Sendable {
        public let status: Int32
        public let stdout: Data
        public let stderr: Data
        public var output: String { String(decoding: stdout, as: UTF8.self) }
        public var errors: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Runs `executable` with `arguments`, in `environment` (this process's when nil).
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errors = Drained()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errors.data = err.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: output, stderr: errors.data)
    }

    /// Written by the draining thread before it signals, read after the wait.
    private final class Drained: @unchecked Sendable {
        var data = Data()
    }
}
