import Foundation
import Imaging
import Testing
import TestSupport

/// `smsr serve` over cleartext HTTP/2 as a process: SIGTERM sends GOAWAY naming the last stream, the
/// upload in flight on that stream still gets its answer, and the process exits 0.
@Suite struct ServeHTTP2Tests {
    @Test func sigtermSendsGoawayAndTheStreamInFlightFinishes() throws {
        let server = try ServeCommandTests.ServeProcess(["--model", CommandRunner.officialModel, "--workers", "1"])
        let port = try #require(server.port())
        #expect(server.waitForLine { $0["msg"] as? String == "ready" } != nil)

        let baby = try ImageCodec.decode([UInt8](Data(contentsOf: CommandRunner.shared.appendingPathComponent("datasets/Set5/HR/baby.png"))))
        let image = try ImageCodec.encode(baby.image.converted(to: .rgb).cropped(x: 128, y: 128, width: 256, height: 256), as: .png)
        let file = try CommandRunner.temporaryDirectory().appendingPathComponent("in-flight.png")
        try Data(image).write(to: file)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../HTTPServerTests/Support/h2frames.py").standardized.path
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        client.arguments = ["python3", script, "in_flight_upload", String(port), file.path]
        let output = Pipe()
        client.standardOutput = output
        try client.run()
        // The client says when the whole body is sent; then the metrics show the worker busy with it
        // within a few polls (it takes most of a second), and the upload is in flight.
        var printed = Data()
        while !String(decoding: printed, as: UTF8.self).contains("uploaded\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            printed.append(chunk)
        }
        var busy = false
        for _ in 0..<2_000 where !busy {
            let metrics = try LoopbackConnection(port: port, timeout: 60)
            metrics.send(Array("GET /metrics HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".utf8))
            busy = metrics.receive(until: { _ in false }).contains("\nsmsr_workers_busy 1")
        }
        #expect(busy, "the upload reached a worker")

        kill(server.process.processIdentifier, SIGTERM)
        printed.append(output.fileHandleForReading.readDataToEndOfFile())
        client.waitUntilExit()
        let json = String(decoding: printed, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        let outcome = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect((outcome?["goaway"] as? [String: Int]) == ["error_code": 0, "last_stream_id": 1], "\(json)")
        #expect((outcome?["responses"] as? [String: Int]) == ["1": 200])
        #expect(((outcome?["data"] as? [String: Int])?["1"] ?? 0) > 0, "the image came back")
        #expect(outcome?["closed"] as? Bool == true)

        server.readToEnd()
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0)
        #expect(server.lines.contains { $0["msg"] as? String == "request" && $0["request_id"] as? String == "in-flight-h2" })
    }
}
