import Foundation
import Imaging
import TestSupport

/// A running `smsr serve`, its JSON log lines read as they come.
final class ServeProcess {
    let process = Process()
    private let stderr = Pipe()
    private var buffer = Data()
    private(set) var lines: [[String: Any]] = []
    private(set) var rawLines: [String] = []

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = CommandRunner.executable
        process.arguments = ["serve", "--port", "0", "--log-format", "json"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // A safety net, not a synchronization: a server that never answers must not hang the run. Generous,
        // because the server's job threads run at nice +10 and the tests running beside it do not.
        DispatchQueue.global().asyncAfter(deadline: .now() + 600) { [process] in
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Reads log lines until one satisfies `predicate` (nil if the process ends first).
    func waitForLine(_ predicate: ([String: Any]) -> Bool) -> [String: Any]? {
        if let line = lines.first(where: predicate) { return line }
        while true {
            let chunk = stderr.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: 0x0A) {
                let lineData = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[(newline + 1)...])
                rawLines.append(String(decoding: lineData, as: UTF8.self))
                guard let object = try? JSONSerialization.jsonObject(with: lineData) as? [String: Any] else { continue }
                lines.append(object)
                if predicate(object) { return object }
            }
        }
    }

    /// The API port, from the `listening` line.
    func port() -> Int? {
        let line = waitForLine { $0["msg"] as? String == "listening" && $0["metrics_address"] != nil }
        return (line?["address"] as? String)?.split(separator: ":").last.flatMap { Int($0) }
    }

    func readToEnd() {
        _ = waitForLine { _ in false }
    }

    /// A 256x256 crop of Set5's baby as PNG: an upload that keeps a worker busy for most of a second, long
    /// enough to be in flight when SIGTERM comes.
    static func inFlightImage() throws -> [UInt8] {
        let baby = try ImageCodec.decode([UInt8](Data(contentsOf: CommandRunner.shared.appendingPathComponent("datasets/Set5/HR/baby.png"))))
        return try ImageCodec.encode(baby.image.converted(to: .rgb).cropped(x: 128, y: 128, width: 256, height: 256), as: .png)
    }

    /// Asks `/metrics` up to `polls` times whether a worker is busy: true once an upload has reached one.
    func workerBusy(polls: Int) throws -> Bool {
        guard let port = port() else { return false }
        for _ in 0..<polls {
            let metrics = try LoopbackConnection(port: port, timeout: 60)
            metrics.send(Array("GET /metrics HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".utf8))
            if metrics.receive(until: { _ in false }).contains("\nsmsr_workers_busy 1") { return true }
        }
        return false
    }
}
