import Foundation
import Imaging
import Testing
@testable import UpscaleService

/// Every refusal is `application/problem+json` with the right status, a stable type and a detail a
/// person can act on.
@Suite struct ErrorStatusTests {
    /// Checks the RFC 9457 members and returns the problem object.
    @discardableResult
    func expectProblem(_ reply: Curl.Reply, status: Int, type: String,
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        #expect(reply.status == status, "\(reply.text)", sourceLocation: sourceLocation)
        #expect(reply.headers["content-type"] == "application/problem+json", sourceLocation: sourceLocation)
        let problem = try reply.json()
        #expect(problem["type"] as? String == "tag:smsr-serve,2026:problem/\(type)", sourceLocation: sourceLocation)
        #expect(problem["status"] as? Int == status, sourceLocation: sourceLocation)
        #expect((problem["title"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(((problem["detail"] as? String)?.count ?? 0) > 10, sourceLocation: sourceLocation)
        let id = try #require(problem["request_id"] as? String, sourceLocation: sourceLocation)
        #expect(problem["instance"] as? String == "urn:smsr-serve:request:\(id)", sourceLocation: sourceLocation)
        #expect(reply.headers["x-request-id"] == id, sourceLocation: sourceLocation)
        return problem
    }

    @Test func apiKeysGuardEverythingButTheProbes() async throws {
        let keys = try TestImages.write(Array("# service keys\nfirst-key-123\n\n  second-key-456  \n".utf8), ext: "txt")
        let harness = try ServiceHarness {
            $0.apiKeys = try? APIKeys(contentsOfFile: keys)
        }
        let file = try TestImages.file(size: 16)
        let upload = ["-H", "Content-Type: image/png", "--data-binary", "@\(file)", harness.url("/v1/upscale")]
        let none = try Curl.run(upload)
        try expectProblem(none, status: 401, type: "unauthorized")
        #expect(none.headers["www-authenticate"] == #"Bearer realm="smsr""#)
        let wrong = try Curl.run(["-H", "Authorization: Bearer first-key-12"] + upload)
        try expectProblem(wrong, status: 401, type: "unauthorized")
        #expect(wrong.headers["www-authenticate"]?.contains("invalid_token") == true)
        #expect(try Curl.run(["-H", "Authorization: Basic Zmlyc3Qta2V5LTEyMw=="] + upload).status == 401)
        #expect(try Curl.run(["-H", "Authorization: Bearer first-key-123"] + upload).status == 200)
        #expect(try Curl.run(["-H", "Authorization: bearer second-key-456"] + upload).status == 200)
        #expect(try Curl.run([harness.url("/v1/models")]).status == 401)
        #expect(try Curl.run([harness.url("/metrics")]).status == 401)
        #expect(try Curl.run([harness.url("/healthz")]).status == 200)
        #expect(try Curl.run([harness.url("/readyz")]).status == 200)
        await harness.stop()
    }

    @Test func oversizedBodiesGet413BeforeTheyAreRead() async throws {
        let harness = try ServiceHarness { $0.maxBodyBytes = 64 * 1024 }
        let big = try TestImages.write(try TestImages.paddedPNG(padding: 1 << 20), ext: "png")
        let declared = try Curl.run(["-H", "Content-Type: image/png", "-H", "Expect: 100-continue",
                                     "--data-binary", "@\(big)", harness.url("/v1/upscale")])
        let problem = try expectProblem(declared, status: 413, type: "content-too-large")
        #expect((problem["detail"] as? String)?.contains("65536") == true)
        #expect(!declared.verbose.contains("100 Continue"), "refused before the body was asked for")
        let chunked = try Curl.run(["-H", "Content-Type: image/png", "-H", "Transfer-Encoding: chunked",
                                    "--data-binary", "@\(big)", harness.url("/v1/upscale")])
        try expectProblem(chunked, status: 413, type: "content-too-large")
        // Below the limit all is well.
        #expect(try Curl.run(["-H", "Content-Type: image/png", "--data-binary", "@\(try TestImages.file())",
                              harness.url("/v1/upscale")]).status == 200)
        await harness.stop()
    }

    @Test func unsupportedTypesGet415() async throws {
        let harness = try ServiceHarness()
        let text = try TestImages.write(Array("just some text\n".utf8), ext: "txt")
        try expectProblem(try Curl.run(["-H", "Content-Type: text/plain", "--data-binary", "@\(text)", harness.url("/v1/upscale")]),
                          status: 415, type: "unsupported-media-type")
        try expectProblem(try Curl.run(["--data-binary", "@\(text)", harness.url("/v1/analyze")]),
                          status: 415, type: "unsupported-media-type")
        try expectProblem(try Curl.run(["-F", "image=@\(text)", harness.url("/v1/upscale")]),
                          status: 415, type: "unsupported-media-type")
        let gif = try TestImages.write(Array("GIF89a\u{01}\u{00}\u{01}\u{00}".utf8), ext: "gif")
        try expectProblem(try Curl.run(["-H", "Content-Type: image/gif", "--data-binary", "@\(gif)", harness.url("/v1/masks")]),
                          status: 415, type: "unsupported-media-type")
        await harness.stop()
    }

    @Test func imagesOverThePixelLimitGet422FromTheirHeader() async throws {
        let harness = try ServiceHarness { $0.maxPixels = 300 }
        let small = try TestImages.file(size: 16)  // 256 pixels
        #expect(try Curl.run(["-F", "image=@\(small)", harness.url("/v1/upscale")]).status == 200)
        let large = try TestImages.file(size: 24)  // 576 pixels
        let problem = try expectProblem(try Curl.run(["-F", "image=@\(large)", harness.url("/v1/upscale")]),
                                        status: 422, type: "too-many-pixels")
        #expect((problem["detail"] as? String)?.contains("24x24") == true)
        #expect(harness.started.all.filter { $0.kind != "warm-up" }.count == 1, "refused images never reach a worker")
        await harness.stop()
    }

    @Test func corruptImagesAndMalformedRequestsGet400() async throws {
        let harness = try ServiceHarness()
        let png = try ImageCodec.encode(try TestImages.crop(size: 16), as: .png)
        let truncated = try TestImages.write(Array(png.prefix(png.count / 2)), ext: "png")
        try expectProblem(try Curl.run(["-H", "Content-Type: image/png", "--data-binary", "@\(truncated)", harness.url("/v1/upscale")]),
                          status: 400, type: "corrupt-image")
        let notPNG = try TestImages.write(Array("definitely not a png".utf8), ext: "png")
        try expectProblem(try Curl.run(["-H", "Content-Type: image/png", "--data-binary", "@\(notPNG)", harness.url("/v1/upscale")]),
                          status: 400, type: "corrupt-image")
        let brokenForm = try TestImages.write(Array("--xyz\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\nabc".utf8), ext: "txt")
        try expectProblem(try Curl.run(["-H", "Content-Type: multipart/form-data; boundary=xyz", "--data-binary", "@\(brokenForm)",
                                        harness.url("/v1/upscale")]),
                          status: 400, type: "malformed-multipart")
        // The HTTP layer's own refusals use the same format (here: a request-smuggling shape).
        let raw = try RawHTTP.exchange(port: harness.service.port ?? 0, request:
            "POST /v1/upscale HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        #expect(raw.hasPrefix("HTTP/1.1 400 "), "\(raw)")
        #expect(raw.contains("Content-Type: application/problem+json") && raw.contains("problem/malformed-request"))
        await harness.stop()
    }

    @Test func unknownPathsAndMethodsGet404And405() async throws {
        let harness = try ServiceHarness()
        try expectProblem(try Curl.run([harness.url("/v2/upscale")]), status: 404, type: "not-found")
        let wrongMethod = try Curl.run([harness.url("/v1/upscale")])
        try expectProblem(wrongMethod, status: 405, type: "method-not-allowed")
        #expect(wrongMethod.headers["allow"] == "POST")
        #expect(try Curl.run(["-X", "DELETE", harness.url("/healthz")]).headers["allow"] == "GET, HEAD")
        #expect(try Curl.run(["-I", harness.url("/healthz")]).status == 200, "HEAD works where GET does")
        await harness.stop()
    }
}
