import Foundation
import Imaging
import Testing
@testable import UpscaleService

/// `ETag` from the input, the model and the parameters; `If-None-Match` answered 304 without a job;
/// `Cache-Control` for a cache in front.
@Suite struct ConditionalRequestTests {
    @Test func aKnownAnswerIs304WithoutAnyWork() async throws {
        let harness = try ServiceHarness()
        let file = try TestImages.file(size: 16)
        func upscale(_ query: String = "", _ headers: [String] = []) throws -> Curl.Reply {
            try Curl.run(["-H", "Content-Type: image/png", "--data-binary", "@\(file)"] + headers.flatMap { ["-H", $0] }
                + [harness.url("/v1/upscale\(query)")])
        }
        let first = try upscale()
        #expect(first.status == 200)
        let tag = try #require(first.headers["etag"])
        #expect(tag.range(of: #"^W/"[0-9a-f]{32}"$"#, options: .regularExpression) != nil, "\(tag)")
        #expect(first.headers["cache-control"] == "public, max-age=86400")
        #expect(try upscale().headers["etag"] == tag, "the same request, the same tag")

        let jobsBefore = harness.queued.all.count
        let again = try upscale("", ["If-None-Match: \(tag)", "X-Request-ID: revalidate-1"])
        #expect(again.status == 304 && again.body.isEmpty)
        #expect(again.headers["etag"] == tag && again.headers["cache-control"] == "public, max-age=86400")
        #expect(again.headers["x-request-id"] == "revalidate-1" && again.headers["vary"] == "Accept")
        #expect(try upscale("", ["If-None-Match: \"other\", \(tag.dropFirst(2))"]).status == 304, "a list, compared weakly")
        #expect(try upscale("", ["If-None-Match: *"]).status == 304)
        #expect(harness.queued.all.count == jobsBefore, "no job was queued for a 304")

        // Whatever changes the answer changes the tag: the parameters, and the image itself.
        var tags: Set<String> = [tag]
        for query in ["?format=jpeg", "?format=jpeg&quality=50", "?format=webp", "?format=webp&lossless=true"] {
            let reply = try upscale(query, ["If-None-Match: \(tag)"])
            #expect(reply.status == 200, "\(query)")
            tags.insert(reply.headers["etag"] ?? "")
        }
        let other = try TestImages.file(size: 18)
        tags.insert(try Curl.run(["-H", "Content-Type: image/png", "--data-binary", "@\(other)", harness.url("/v1/upscale")])
            .headers["etag"] ?? "")
        #expect(tags.count == 6, "\(tags)")
        // PNG has no quality: asking for one changes nothing.
        #expect(try upscale("?format=png&quality=10", ["If-None-Match: \(tag)"]).status == 304)
        await harness.stop()
    }

    @Test func masksAreTaggedAndAnalysesAreNot() async throws {
        let harness = try ServiceHarness { $0.apiKeys = APIKeys(tokens: ["key-1"]) }
        let file = try TestImages.file(size: 16)
        let common = ["-H", "Authorization: Bearer key-1", "-H", "Content-Type: image/png", "--data-binary", "@\(file)"]
        let masks = try Curl.run(common + [harness.url("/v1/masks")])
        let tag = try #require(masks.headers["etag"])
        #expect(masks.headers["cache-control"] == "private, max-age=86400", "keys in use: no shared cache")
        #expect(try Curl.run(common + ["-H", "If-None-Match: \(tag)", harness.url("/v1/masks")]).status == 304)
        let upscaled = try Curl.run(common + [harness.url("/v1/upscale")])
        #expect(upscaled.headers["etag"] != tag, "another route, another answer")
        let analysis = try Curl.run(common + ["-H", "If-None-Match: *", harness.url("/v1/analyze")])
        #expect(analysis.status == 200 && analysis.headers["etag"] == nil, "its timings change every time")
        await harness.stop()
    }
}
