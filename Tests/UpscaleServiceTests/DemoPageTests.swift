import Foundation
import Testing
@testable import UpscaleService

/// The demo page in a real headless Chromium (Debian's `chromium`) against a real service.
@Suite(.serialized) struct DemoPageTests {
    /// Runs Chromium on `url` until the page's own script has finished (virtual time budget), and returns
    /// the DOM it ends with. Chromium is killed if it takes longer than `timeout` seconds of real time.
    static func dumpDOM(_ url: String, timeout: TimeInterval = 120) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("smsr-chromium-\(UUID().uuidString)")
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--user-data-dir=\(profile.path)", "--virtual-time-budget=60000", "--dump-dom", url]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        watchdog.cancel()
        try? FileManager.default.removeItem(at: profile)
        return dom
    }

    /// The text content of the element with `id`, from a serialized DOM.
    static func text(of id: String, in dom: String) -> String? {
        guard let start = dom.range(of: "id=\"\(id)\"") else { return nil }
        guard let open = dom[start.upperBound...].firstIndex(of: ">") else { return nil }
        let rest = dom[dom.index(after: open)...]
        guard let close = rest.range(of: "</") else { return nil }
        return String(rest[..<close.lowerBound])
    }

    /// The attributes of the start tag of the element with `id`.
    static func tag(of id: String, in dom: String) -> String? {
        guard let start = dom.range(of: "id=\"\(id)\"") else { return nil }
        let before = dom[..<start.lowerBound]
        guard let open = before.lastIndex(of: "<"), let close = dom[start.upperBound...].firstIndex(of: ">") else { return nil }
        return String(dom[open...close])
    }

    @Test func sampleRunShowsResultFLOPsTimingsAndMasks() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), "install Debian's chromium (scripts/install-deps.sh)")
        let harness = try ServiceHarness()
        let dom = try Self.dumpDOM(harness.url("/?sample=1"))
        await harness.stop()

        // The page's script fetched /v1/models and listed the one model.
        #expect(Self.tag(of: "models", in: dom)?.contains("data-count=\"1\"") == true, "models list: \(Self.text(of: "models", in: dom) ?? "none")")
        #expect(Self.text(of: "models", in: dom)?.contains("x2") == true)
        // The sample upload finished and the result is shown.
        #expect(Self.tag(of: "status", in: dom)?.contains("data-state=\"done\"") == true, "status: \(Self.text(of: "status", in: dom) ?? "none")")
        #expect(Self.tag(of: "result", in: dom)?.contains("hidden") == false)
        #expect(Self.tag(of: "after", in: dom)?.contains("src=\"blob:") == true)
        #expect(Self.tag(of: "before", in: dom)?.contains("src=\"blob:") == true)
        #expect(Self.tag(of: "masks", in: dom)?.contains("src=\"blob:") == true)
        #expect(Self.text(of: "insize", in: dom) == "96 × 64", "the input's size, labelled")
        #expect(Self.text(of: "size", in: dom) == "192 × 128", "the output's size, labelled")
        let saved = try #require(Self.text(of: "saved", in: dom))
        let percent = try #require(Double(saved.replacingOccurrences(of: " %", with: "")))
        #expect(percent > 0 && percent < 100, "saved \(saved)")
        let timings = try #require(Self.text(of: "timings", in: dom))
        for stage in ["queue", "decode", "infer", "encode", "total"] { #expect(timings.contains(stage), "timings: \(timings)") }
    }

    @Test func pageNeedsNothingFromOutside() async throws {
        let harness = try ServiceHarness()
        let reply = try Curl.run([harness.url("/")])
        await harness.stop()
        #expect(reply.status == 200 && reply.headers["content-type"]?.hasPrefix("text/html") == true)
        let html = reply.text
        #expect(html.contains("/v1/upscale") && html.contains("/v1/masks") && html.contains("/v1/models"))
        #expect(html.contains("<link rel=\"icon\" href=\"data:image/svg+xml,"), "an icon of its own, inline")
        #expect(html.contains("id=\"legend\"") && html.contains("The last panel counts"), "the mask picture's panels are explained")
        #expect(html.contains("<option>webp</option>") && html.contains("image/webp"))
        for external in ["src=\"http", "href=\"http", "@import", "url(http", "src=\"//", "href=\"//"] {
            #expect(!html.contains(external), "the page must work offline: found \(external)")
        }
    }
}
