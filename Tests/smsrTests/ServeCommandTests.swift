import Foundation
import Imaging
import Testing
import TestSupport

/// `smsr serve` as a process: configuration from flags and variables, JSON logs, and a SIGTERM that
/// lets the request in flight finish before exiting 0.
@Suite struct ServeCommandTests {
    @Test func sigtermLetsTheRequestInFlightFinishThenExitsZero() throws {
        let server = try ServeProcess(["--model", CommandRunner.officialModel, "--workers", "1"])
        let port = try #require(server.port())
        #expect(server.waitForLine { $0["msg"] as? String == "ready" } != nil)

        // A plain socket client sends a 256x256 image whole; once the metrics show the worker busy with it,
        // the request is in flight (upscaling takes most of a second), and SIGTERM comes then.
        let image = try ServeProcess.inFlightImage()
        let client = try LoopbackConnection(port: port, timeout: 60)
        #expect(client.send(Array(("POST /v1/upscale HTTP/1.1\r\nHost: test\r\nContent-Type: image/png\r\n"
            + "Content-Length: \(image.count)\r\nX-Request-ID: in-flight\r\n\r\n").utf8) + image))
        #expect(try server.workerBusy(polls: 20_000), "the upload reached a worker")

        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.waitForLine { $0["msg"] as? String == "shutting down" } != nil)
        let response = client.receive(until: { _ in false })  // to the end: the server closes after answering
        #expect(response.hasPrefix("HTTP/1.1 200 OK"), "\(response.prefix(300))")
        #expect(response.contains("\r\nConnection: close\r\n"), "the last response of a draining server closes")

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

    /// The drain stall: uploads begun before SIGTERM whose bodies arrive after it. One connection has
    /// sent only `P` (which could still have been the HTTP/2 preface), one a head and half its body,
    /// one nothing. The server must read and answer the first two whichever way its reads and the
    /// shutdown interleave, and close the idle one; before, the `P` connection's input was dropped and
    /// it waited unanswered until the drain deadline (longer here than the clients' patience).
    @Test func uploadsBegunBeforeSIGTERMAreReadAndAnswered() throws {
        let server = try ServeProcess(["--workers", "1", "--drain-timeout", "150"])
        let port = try #require(server.port())
        #expect(server.waitForLine { $0["msg"] as? String == "ready" } != nil)
        let image = try ImageCodec.encode(Image(width: 8, height: 8, layout: .rgb, pixels: (0..<192).map { UInt8($0) }), as: .png)
        let head = "POST /v1/upscale HTTP/1.1\r\nHost: test\r\nContent-Type: image/png\r\nContent-Length: \(image.count)\r\n\r\n"
        let upload = Array(head.utf8) + image

        let lone = try LoopbackConnection(port: port, timeout: 60)
        let half = try LoopbackConnection(port: port, timeout: 60)
        let idle = try LoopbackConnection(port: port, timeout: 60)
        #expect(lone.send(Array(upload.prefix(1))))
        #expect(half.send(Array(upload.prefix(head.utf8.count + image.count / 2))))

        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.waitForLine { $0["msg"] as? String == "shutting down" } != nil)
        #expect(lone.send(Array(upload.dropFirst(1))))
        #expect(half.send(Array(upload.dropFirst(head.utf8.count + image.count / 2))))
        for (name, client) in [("lone P", lone), ("half body", half)] {
            let response = client.receive(until: { _ in false })  // to the end: the server closes after answering
            #expect(response.hasPrefix("HTTP/1.1 200 OK"), "\(name): \(response.prefix(300).debugDescription)")
            #expect(response.contains("\r\nConnection: close\r\n"), "\(name)")
            #expect(response.contains("\r\nContent-Type: image/png\r\n"), "\(name)")
        }
        let idleEnd = idle.receive()
        #expect({ if case .closed = idleEnd { true } else { false } }(), "an idle connection is closed without a word")

        server.readToEnd()
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0)
    }

    @Test func configurationComesFromFlagsThenSMSRVariablesAndIsLoggedWithoutSecrets() throws {
        let keys = try CommandRunner.temporaryDirectory().appendingPathComponent("keys")
        try Data("top-secret-key\n".utf8).write(to: keys)
        let server = try ServeProcess(["--model", CommandRunner.officialModel, "--queue-capacity", "5"], environment: [
            "SMSR_QUEUE_CAPACITY": "3", "SMSR_WORKERS": "1", "SMSR_MAX_PIXELS": "1234", "SMSR_API_KEYS_FILE": keys.path,
            "SMSR_WORKER": "4", "SMSR_TILE": "256",
        ])
        let configuration = try #require(server.waitForLine { $0["msg"] as? String == "configuration" })
        // A misspelt variable is named in a warning; the engine's own variables are not.
        let unknown = server.lines.first { $0["msg"] as? String == "unknown SMSR_ variables ignored" }
        #expect(unknown?["variables"] as? String == "SMSR_WORKER")
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
        #expect(badPort.status == 78 && badPort.stderr.contains("SMSR_PORT must be an integer"), "EX_CONFIG: \(badPort.stderr)")
        let badModel = try CommandRunner.run(["serve", "--model", "/nonexistent.safetensors"])
        #expect(badModel.status == 66 && badModel.stderr.contains("/nonexistent.safetensors: No such file or directory"))
        let badTile = try CommandRunner.run(["serve", "--model", CommandRunner.officialModel], environment: ["SMSR_TILE": "-3"])
        #expect(badTile.status == 78 && badTile.stderr.contains("SMSR_TILE"), "\(badTile.stderr)")
        #expect(!badPort.stderr.contains("Usage:") && !badModel.stderr.contains("Usage:"))
    }

    @Test func aPortInUseIsSaidInWords() throws {
        let first = try ServeProcess(["--model", CommandRunner.officialModel])
        let port = try #require(first.port())
        let second = try CommandRunner.run(["serve", "--model", CommandRunner.officialModel, "--port", "\(port)"])
        #expect(second.status == 69, "EX_UNAVAILABLE: \(second.stderr)")
        #expect(second.stderr.contains("cannot listen on 127.0.0.1:\(port): address already in use"), "\(second.stderr)")
        #expect(!second.stderr.contains("errno"))
        kill(first.process.processIdentifier, SIGTERM)
        first.process.waitUntilExit()
    }

    /// Without --model the service serves every model the binary carries, whatever Models/ shipped.
    @Test func aDefaultServiceAnswersEveryEmbeddedScale() throws {
        let shipped = try FileManager.default.contentsOfDirectory(atPath: CommandRunner.repository.appendingPathComponent("Models").path)
            .compactMap { name -> Int? in
                guard name.hasPrefix("smsr_x"), name.hasSuffix(".safetensors") else { return nil }
                return Int(name.dropFirst("smsr_x".count).dropLast(".safetensors".count))
            }.sorted()
        #expect(shipped.contains(2) && shipped.contains(4), "\(shipped)")
        let server = try ServeProcess(["--workers", "1"])
        let port = try #require(server.port())
        #expect(server.waitForLine { $0["msg"] as? String == "ready" } != nil)
        let baby = try ImageCodec.decode([UInt8](Data(contentsOf: CommandRunner.shared.appendingPathComponent("datasets/Set5/HR/baby.png"))))
        let image = try ImageCodec.encode(baby.image.converted(to: .rgb).cropped(x: 200, y: 200, width: 24, height: 20), as: .png)
        for scale in shipped {
            let client = try LoopbackConnection(port: port, timeout: 60)
            client.send(Array(("POST /v1/upscale?scale=\(scale) HTTP/1.1\r\nHost: test\r\nContent-Type: image/png\r\n"
                + "Content-Length: \(image.count)\r\nConnection: close\r\n\r\n").utf8) + image)
            let response = client.receive(until: { _ in false })
            #expect(response.hasPrefix("HTTP/1.1 200 OK"), "x\(scale): \(response.prefix(400))")
            #expect(response.contains("\r\nSMSR-Output-Size: \(24 * scale)x\(20 * scale)\r\n"), "x\(scale)")
        }
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
    }

    /// `smsr upscale --json` and `POST /v1/analyze` describe the same work with the same keys.
    @Test func theCommandLineAndTheServiceReportWithTheSameKeys() throws {
        let crop = CommandRunner.shared.appendingPathComponent("reference/crop_baby_64x64_lr.png")
        let output = try CommandRunner.temporaryDirectory().appendingPathComponent("out.png")
        let cli = try CommandRunner.run(["upscale", "--json", "--model", CommandRunner.officialModel, crop.path, output.path])
        #expect(cli.status == 0, "\(cli.stderr)")
        let printed = try #require(try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any])

        let server = try ServeProcess(["--model", CommandRunner.officialModel])
        let port = try #require(server.port())
        #expect(server.waitForLine { $0["msg"] as? String == "ready" } != nil)
        let image = try Data(contentsOf: crop)
        let client = try LoopbackConnection(port: port, timeout: 60)
        client.send(Array(("POST /v1/analyze HTTP/1.1\r\nHost: test\r\nContent-Type: image/png\r\n"
            + "Content-Length: \(image.count)\r\nConnection: close\r\n\r\n").utf8) + [UInt8](image))
        let response = client.receive(until: { _ in false })
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        let body = try #require(response.range(of: "\r\n\r\n").map { response[$0.upperBound...] })
        let answered = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])

        #expect(Set(printed.keys) == Set(answered.keys))
        for key in ["input", "output"] {
            #expect((printed[key] as? [String: Int]) == (answered[key] as? [String: Int]), "\(key)")
        }
        for key in ["scale", "flops_dense", "flops_executed"] { #expect(printed[key] as? Int == answered[key] as? Int, "\(key)") }
        let blocks = [printed, answered].map { ($0["blocks"] as? [[String: Any]])?.map { Set($0.keys) } }
        #expect(blocks[0] == blocks[1] && blocks[0]?.first == ["index", "mask_density"])
        let timings = [printed, answered].map { Set(($0["timings_ms"] as? [String: Double])?.keys ?? [:].keys) }
        // The stages each had: the service's job waited in a queue; the command line wrote its image.
        #expect(timings[0].subtracting(["encode"]) == timings[1].subtracting(["queue"]), "\(timings)")
    }
}
