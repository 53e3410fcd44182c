import Foundation
import Imaging
import Testing

/// `smsr serve` as a process: configuration from flags and variables, JSON logs, and a SIGTERM that
/// lets the request in flight finish before exiting 0.
@Suite struct ServeCommandTests {
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
            // A safety net, not a synchronization: a server that never answers must not hang the run.
            DispatchQueue.global().asyncAfter(deadline: .now() + 180) { [process] in
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
    }

    /// A 16x16 crop of a Set5 image: quick to upscale.
    static func smallPNG() throws -> [UInt8] {
        let bird = try ImageCodec.decode([UInt8](Data(contentsOf: CommandRunner.shared.appendingPathComponent("datasets/Set5/LR_bicubic/X2/bird.png"))))
        return try ImageCodec.encode(bird.image.converted(to: .rgb).cropped(x: 40, y: 40, width: 16, height: 16), as: .png)
    }

    @Test func sigtermLetsTheRequestInFlightFinishThenExitsZero() throws {
        let server = try ServeProcess(["--model", CommandRunner.officialModel, "--workers", "1"])
        let port = try #require(server.port())
        #expect(server.waitForLine { $0["msg"] as? String == "ready" } != nil)

        // curl reads the body from a pipe: it sends the head with Expect: 100-continue and waits for it.
        let image = try Self.smallPNG()
        let body = Pipe()
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        // `-T -` streams standard input as a chunked body (`--data-binary @-` would read it all first).
        curl.arguments = ["-sS", "-v", "--max-time", "60", "-X", "POST", "-T", "-", "-H", "Content-Type: image/png",
                          "-H", "Expect: 100-continue", "-H", "X-Request-ID: in-flight",
                          "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/v1/upscale"]
        let curlOut = Pipe()
        let curlErr = Pipe()
        curl.standardInput = body
        curl.standardOutput = curlOut
        curl.standardError = curlErr
        try curl.run()
        // Once curl has the 100 Continue, the server is reading this request's body: it is in flight.
        var verbose = ""
        while !verbose.contains("< HTTP/1.1 100 Continue") {
            let chunk = curlErr.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            verbose += String(decoding: chunk, as: UTF8.self)
        }
        #expect(verbose.contains("100 Continue"), "\(verbose)")

        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.waitForLine { $0["msg"] as? String == "draining" } != nil)
        body.fileHandleForWriting.write(Data(image))
        try body.fileHandleForWriting.close()

        let status = String(decoding: curlOut.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        verbose += String(decoding: curlErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        curl.waitUntilExit()
        #expect(status == "200", "\(verbose)")
        #expect(verbose.contains("< Connection: close"), "the last response of a draining server closes")

        server.readToEnd()
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0)
        // One JSON log line per request, with what an operator needs.
        let request = try #require(server.lines.first { $0["msg"] as? String == "request" && $0["request_id"] as? String == "in-flight" })
        #expect(request["route"] as? String == "/v1/upscale" && request["status"] as? String == "200")
        #expect(Int(request["bytes"] as? String ?? "") ?? 0 > 0 && Double(request["ms"] as? String ?? "") != nil)
        #expect(Double(request["flops_saved"] as? String ?? "") != nil)
        #expect(server.lines.contains { $0["msg"] as? String == "stopped" })
        #expect(server.rawLines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil },
                "every line is JSON: \(server.rawLines.filter { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) == nil })")
    }

    @Test func configurationComesFromFlagsThenSMSRVariablesAndIsLoggedWithoutSecrets() throws {
        let keys = try CommandRunner.temporaryDirectory().appendingPathComponent("keys")
        try Data("top-secret-key\n".utf8).write(to: keys)
        let server = try ServeProcess(["--model", CommandRunner.officialModel, "--queue-capacity", "5"], environment: [
            "SMSR_QUEUE_CAPACITY": "3", "SMSR_WORKERS": "1", "SMSR_MAX_PIXELS": "1234", "SMSR_API_KEYS_FILE": keys.path,
        ])
        let configuration = try #require(server.waitForLine { $0["msg"] as? String == "configuration" })
        #expect(configuration["queue_capacity"] as? String == "5", "the flag wins")
        #expect(configuration["workers"] as? String == "1" && configuration["max_pixels"] as? String == "1234")
        #expect(configuration["api_keys"] as? String == "1 from \(keys.path)")
        #expect(configuration["models"] as? String == "x2=\(CommandRunner.officialModel)")
        #expect(server.port() != nil)
        kill(server.process.processIdentifier, SIGTERM)
        server.readToEnd()
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        #expect(!server.rawLines.joined().contains("top-secret-key"))
    }

    @Test func unusableSettingsFailAtStartWithTheirName() throws {
        let badPort = try CommandRunner.run(["serve", "--model", CommandRunner.officialModel],
                                                           environment: ["SMSR_PORT": "eighty"])
        #expect(badPort.status != 0 && badPort.stderr.contains("SMSR_PORT must be an integer"))
        let badModel = try CommandRunner.run(["serve", "--model", "/nonexistent.safetensors"])
        #expect(badModel.status != 0 && badModel.stderr.contains("/nonexistent.safetensors"))
    }
}
