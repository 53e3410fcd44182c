import Foundation
import Imaging
import Testing
@testable import UpscaleService

/// How real clients send: several requests on one connection, chunked bodies, `Expect: 100-continue`.
@Suite struct ConnectionBehaviourTests {
    @Test func keepAliveConnectionsAreReusedAcrossUploads() async throws {
        let harness = try ServiceHarness()
        let file = try TestImages.file(size: 16)
        // One curl, three transfers: it reuses the connection when the server keeps it open.
        let reply = try Curl.run(["-H", "Content-Type: image/png", "--data-binary", "@\(file)", harness.url("/v1/upscale"),
                                  "--next", "-o", "/dev/null", harness.url("/healthz"),
                                  "--next", "-o", "/dev/null", "-H", "Content-Type: image/png", "--data-binary", "@\(file)",
                                  harness.url("/v1/analyze")])
        #expect(reply.exitCode == 0)
        #expect(reply.verbose.components(separatedBy: "Re-using existing connection").count - 1 == 2, "\(reply.verbose)")
        #expect(reply.verbose.components(separatedBy: "Connected to").count - 1 == 1, "one TCP connection in all")
        #expect(reply.verbose.components(separatedBy: "< HTTP/1.1 200 OK").count - 1 == 3)
        #expect(try ImageCodec.decode(reply.body).image.width == 32, "the first transfer's image")
        await harness.stop()
    }

    @Test func chunkedUploadsAreAccepted() async throws {
        let harness = try ServiceHarness()
        let file = try TestImages.file(size: 16)
        for path in ["/v1/upscale", "/v1/analyze"] {
            let reply = try Curl.run(["-H", "Content-Type: image/png", "-H", "Transfer-Encoding: chunked",
                                      "--data-binary", "@\(file)", harness.url(path)])
            #expect(reply.verbose.contains("Transfer-Encoding: chunked"), "curl sent chunks")
            #expect(reply.status == 200, "\(reply.text)")
        }
        await harness.stop()
    }

    @Test func largeUploadsGetOneHundredContinueAndThenTheirAnswer() async throws {
        let harness = try ServiceHarness()
        let file = try TestImages.write(try TestImages.paddedPNG(padding: 3 << 20), ext: "png")
        let reply = try Curl.run(["-H", "Content-Type: image/png", "-H", "Expect: 100-continue",
                                  "--data-binary", "@\(file)", harness.url("/v1/upscale")])
        #expect(reply.verbose.contains("< HTTP/1.1 100 Continue"), "\(reply.verbose.suffix(2000))")
        #expect(reply.status == 200, "\(reply.text)")
        #expect(try ImageCodec.decode(reply.body).image.width == 32)

        // As multipart too, the way a browser posts a big file.
        let form = try Curl.run(["-H", "Expect: 100-continue", "-F", "image=@\(file);type=image/png", harness.url("/v1/analyze")])
        #expect(form.verbose.contains("< HTTP/1.1 100 Continue"))
        #expect(form.status == 200, "\(form.text)")
        await harness.stop()
    }
}
