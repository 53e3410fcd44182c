import Foundation
import Testing
import TestSupport

/// `smsr serve` over cleartext HTTP/2 as a process: SIGTERM sends GOAWAY naming the last stream, the
/// upload in flight on that stream still gets its answer, and the process exits 0.
@Suite struct ServeHTTP2Tests {
    @Test func sigtermSendsGoawayAndTheStreamInFlightFinishes() throws {
        let server = try ServeProcess(["--model", CommandRunner.officialModel, "--workers", "1"])
        let port = try #require(server.port())
        #expect(server.waitForLine { $0["msg"] as? String == "ready" } != nil)

        let image = try ServeProcess.inFlightImage()
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
        #expect(try server.workerBusy(polls: 2_000), "the upload reached a worker")

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
