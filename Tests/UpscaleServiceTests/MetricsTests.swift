import Foundation
import Testing
@testable import UpscaleService

/// `/metrics` after a known sequence of requests: every fixed name, with the values that traffic must
/// produce.
@Suite struct MetricsTests {
    /// `name{labels} value` lines of the exposition, by their full series text.
    func series(_ text: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = value
        }
        return values
    }

    @Test func metricsCountKnownTraffic() async throws {
        let harness = try ServiceHarness { $0.queueCapacity = 5 }
        let file = try TestImages.file(size: 16)
        var dense = 0
        var executed = 0
        for _ in 0..<2 {
            let reply = try Curl.run(["-H", "Content-Type: image/png", "--data-binary", "@\(file)", harness.url("/v1/upscale")])
            #expect(reply.status == 200)
            dense += Int(reply.headers["smsr-flops-dense"] ?? "") ?? 0
            executed += Int(reply.headers["smsr-flops-executed"] ?? "") ?? 0
        }
        #expect(try Curl.run(["-H", "Content-Type: text/plain", "--data", "x", harness.url("/v1/upscale")]).status == 415)
        #expect(try Curl.run([harness.url("/no/such/path/12345")]).status == 404)
        #expect(try Curl.run([harness.url("/healthz")]).status == 200)

        let reply = try Curl.run([harness.url("/metrics")])
        #expect(reply.status == 200)
        let text = reply.text
        let values = series(text)
        #expect(values[#"smsr_http_requests_total{method="POST",route="/v1/upscale",status="200",protocol="http/1.1"}"#] == 2)
        #expect(values[#"smsr_http_requests_total{method="POST",route="/v1/upscale",status="415",protocol="http/1.1"}"#] == 1)
        #expect(values[#"smsr_http_requests_total{method="GET",route="unmatched",status="404",protocol="http/1.1"}"#] == 1)
        #expect(values[#"smsr_http_requests_total{method="GET",route="/healthz",status="200",protocol="http/1.1"}"#] == 1)
        #expect(!text.contains("/no/such/path"), "raw paths never become labels")
        #expect(values[#"smsr_http_request_duration_seconds_count{protocol="http/1.1"}"#] == 5)
        #expect(values["smsr_inference_duration_seconds_count"] == 2, "the warm-up is not counted")
        #expect(values["smsr_flops_dense_total"] == Double(dense))
        #expect(values["smsr_flops_executed_total"] == Double(executed))
        #expect(values["smsr_flops_saved_ratio_count"] == 2)
        let savedSum = try #require(values["smsr_flops_saved_ratio_sum"])
        #expect(savedSum > 0 && savedSum < 2)
        #expect(values[#"smsr_images_rejected_total{reason="unsupported_type"}"#] == 1)
        #expect(values[#"smsr_images_rejected_total{reason="queue_full"}"#] == 0)
        #expect(values["smsr_queue_capacity"] == 5)
        #expect(values["smsr_queue_depth"] == 0)
        #expect(values["smsr_workers_busy"] == 0)
        #expect((values["smsr_connections_open"] ?? 0) >= 1, "the scrape's own connection")
        for histogram in ["smsr_http_request_duration_seconds", "smsr_inference_duration_seconds", "smsr_flops_saved_ratio"] {
            let labels = histogram == "smsr_http_request_duration_seconds" ? #"protocol="http/1.1","# : ""
            #expect(text.contains("# TYPE \(histogram) histogram") && text.contains("\(histogram)_bucket{\(labels)le=\"+Inf\"}"))
        }
        await harness.stop()
    }
}
