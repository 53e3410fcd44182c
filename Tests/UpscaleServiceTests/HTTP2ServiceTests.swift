import Foundation
import Imaging
import Testing
import TestSupport
@testable import UpscaleService

/// The service over cleartext HTTP/2: the same routes, answers, headers and metrics as over HTTP/1.1,
/// with real clients (curl) on the same port.
@Suite struct HTTP2ServiceTests {
    @Test func anUpscaleOverHTTP2MatchesHTTP1ByteForByte() async throws {
        let harness = try ServiceHarness()
        let file = try TestImages.file(size: 24)
        let h2 = try Curl.run(["--http2-prior-knowledge", "-H", "Content-Type: image/png", "--data-binary", "@\(file)",
                               harness.url("/v1/upscale")])
        #expect(h2.status == 200, "\(h2.text)")
        #expect(h2.verbose.contains("< HTTP/2 200"), "served over HTTP/2")
        for name in ["smsr-flops-dense", "smsr-flops-executed", "smsr-flops-saved", "server-timing", "x-request-id"] {
            #expect(h2.headers[name] != nil, "\(name)")
        }
        #expect(h2.headers["server-timing"]?.contains("infer;dur=") == true)
        #expect(try ImageCodec.decode(h2.body).image.width == 48)

        let h1 = try Curl.run(["--http1.1", "-H", "Content-Type: image/png", "--data-binary", "@\(file)", harness.url("/v1/upscale")])
        #expect(h1.status == 200)
        #expect(h1.verbose.contains("< HTTP/1.1 200 OK"), "HTTP/1.1 unchanged on the same port")
        #expect(h1.body == h2.body)
        #expect(h1.headers["smsr-flops-executed"] == h2.headers["smsr-flops-executed"])
        await harness.stop()
    }

    @Test func twentyConcurrentUploadsOnOneConnectionMatchTheirHTTP1Answers() async throws {
        let harness = try ServiceHarness { $0.workers = 2 }
        // Twenty different pictures: crops of a Set5 image at twenty offsets.
        let source = try ImageCodec.decode(SharedData.bytes("datasets/Set5/LR_bicubic/X2/bird.png")).image.converted(to: .rgb)
        let files = try (0..<20).map { i in
            try TestImages.write(try ImageCodec.encode(source.cropped(x: 4 * i, y: 2 * i, width: 20, height: 20), as: .png),
                                 ext: "png")
        }
        let expected = try files.map { file -> [UInt8] in
            let reply = try Curl.run(["--http1.1", "-H", "Content-Type: image/png", "--data-binary", "@\(file)",
                                      harness.url("/v1/upscale")])
            #expect(reply.status == 200)
            return reply.body
        }
        #expect(Set(expected).count == 20)

        // Twenty streams at once on one connection, from the h2 library as the client (curl 7.88's
        // --parallel fails its own multiplexed transfers, against any server).
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smsr-h2-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try Program.run("/usr/bin/env", ["python3", Self.h2frames, "uploads", String(harness.service.port ?? 0),
                                                   directory.path] + files)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains(#"{"statuses": [\#(Array(repeating: "200", count: 20).joined(separator: ", "))]}"#), "\(run.output)")
        for i in 0..<20 {
            let body = try [UInt8](Data(contentsOf: directory.appendingPathComponent("\(i)")))
            #expect(body == expected[i], "upload \(i)")
        }
        let metrics = try Curl.run([harness.url("/metrics")]).text
        #expect(metrics.contains(#"smsr_http_requests_total{method="POST",route="/v1/upscale",status="200",protocol="h2"} 20"#))
        #expect(metrics.contains("smsr_http2_streams_open 0"))
        await harness.stop()
    }

    /// The frame-level and h2-library client shared with the HTTP server's tests.
    static let h2frames = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../HTTPServerTests/Support/h2frames.py").standardized.path

    @Test func upgradeAndMetricsLabelTheProtocol() async throws {
        let harness = try ServiceHarness()
        let upgraded = try Curl.run(["--http2", harness.url("/healthz")])
        #expect(upgraded.status == 200)
        #expect(upgraded.verbose.contains("101 Switching Protocols") && upgraded.verbose.contains("< HTTP/2 200"))
        #expect(try Curl.run([harness.url("/healthz")]).status == 200)
        let metrics = try Curl.run(["--http2-prior-knowledge", harness.url("/metrics")]).text
        #expect(metrics.contains(#"smsr_http_requests_total{method="GET",route="/healthz",status="200",protocol="h2"} 1"#))
        #expect(metrics.contains(#"smsr_http_requests_total{method="GET",route="/healthz",status="200",protocol="http/1.1"} 1"#))
        #expect(metrics.contains(#"smsr_http_request_duration_seconds_count{protocol="h2"}"#))
        #expect(metrics.contains(#"smsr_http2_goaways_total{reason="rapid_reset"} 0"#), "every reason listed from the start")
        #expect(metrics.contains("# TYPE smsr_http2_streams_open gauge"))
        await harness.stop()
    }

    @Test func http2OffServesHTTP1Only() async throws {
        let sources = ConfigurationSources(flags: [:], environment: ["SMSR_HTTP2": "off"])
        #expect(try sources.serviceConfiguration(cores: 2).http2 == false)
        #expect(try ConfigurationSources(flags: [.http2: "on"], environment: ["SMSR_HTTP2": "off"]).serviceConfiguration(cores: 2).http2)
        #expect(throws: ConfigurationSources.Failure.self) {
            try ConfigurationSources(flags: [.http2: "maybe"], environment: [:]).serviceConfiguration(cores: 2)
        }
        #expect(ServiceConfiguration().http2, "on by default")

        let harness = try ServiceHarness { $0.http2 = false }
        let upgraded = try Curl.run(["--http2", harness.url("/healthz")])
        #expect(upgraded.status == 200 && upgraded.verbose.contains("< HTTP/1.1 200 OK"))
        let prior = try Curl.run(["--http2-prior-knowledge", harness.url("/healthz")])
        #expect(prior.status != 200)
        await harness.stop()
    }

    @Test func aResetStreamHasItsQueuedJobDropped() async throws {
        let gate = Gate()
        let harness = try ServiceHarness(gate: gate) { $0.workers = 1 }
        let file = try TestImages.file(size: 16)
        let held = try Curl.start(["-H", "Content-Type: image/png", "-H", "X-Request-ID: held", "--data-binary", "@\(file)",
                                   harness.url("/v1/upscale")])
        #expect(harness.started.wait { $0.requestID == "held" })

        let script = Self.h2frames
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "upload_reset", String(harness.service.port ?? 0), file]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        #expect(harness.queued.wait { $0.requestID == "reset-me" })
        input.fileHandleForWriting.write(Data("go\n".utf8))
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(harness.dropped.wait { $0.0.requestID == "reset-me" && $0.1 == "client_gone" })
        #expect(printed.contains(#""responses": {"3": 200}"#), "the connection goes on: \(printed)")

        gate.open()
        #expect(held.finish().status == 200)
        #expect(!harness.started.all.contains { $0.requestID == "reset-me" }, "the dropped job never ran")
        await harness.stop()
    }
}
