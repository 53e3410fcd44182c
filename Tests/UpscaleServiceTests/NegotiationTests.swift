import HTTPServer
import Imaging
import Testing
@testable import UpscaleService

/// Query parameters and `Accept` negotiation, and the route table.
@Suite struct NegotiationTests {
    func parameters(_ target: String, accept: String? = nil) throws(ProblemDetails) -> UpscaleParameters {
        var headers = HTTPHeaders()
        if let accept { headers.add(name: "Accept", value: accept) }
        return try UpscaleParameters(head: RequestHead(method: .post, target: target, headers: headers),
                                     scales: [2, 4], defaultScale: 2, negotiatesFormat: true)
    }

    @Test func acceptPicksTheBestFormatAndKeepsTheInputsOnATie() throws {
        #expect(try parameters("/").outputFormat(input: .jpeg) == .jpeg)
        #expect(try parameters("/", accept: "*/*").outputFormat(input: .jpeg) == .jpeg)
        #expect(try parameters("/", accept: "image/png").outputFormat(input: .jpeg) == .png)
        #expect(try parameters("/", accept: "image/*;q=0.9, image/png").outputFormat(input: .jpeg) == .png)
        #expect(try parameters("/", accept: "image/png;q=0.2, image/jpeg;q=0.3").outputFormat(input: .png) == .jpeg)
        #expect(try parameters("/?format=png", accept: "image/jpeg").outputFormat(input: .jpeg) == .png, "the query wins")
        #expect(try parameters("/", accept: "image/webp").outputFormat(input: .png) == .webp)
        // What browsers send for images: WebP named, everything else through */* at a lower weight.
        #expect(try parameters("/", accept: "image/avif,image/webp,image/apng,*/*;q=0.8").outputFormat(input: .png) == .webp)
        #expect(try parameters("/", accept: "image/webp,image/png").outputFormat(input: .png) == .png, "a tie keeps the input's")
        #expect(try parameters("/", accept: "image/webp,*/*;q=0.8").outputFormat(input: .jpeg) == .webp)
        #expect(throws: ProblemDetails.self) { try parameters("/", accept: "image/png;q=0, text/html") }
        #expect(throws: ProblemDetails.self) { try parameters("/", accept: "image/*;q=0") }
    }

    @Test func queryValuesAreChecked() throws {
        #expect(try parameters("/?scale=4").scale == 4)
        #expect(try parameters("/").scale == 2)
        #expect(try parameters("/?quality=55").quality == 55)
        #expect(try parameters("/?format=JPG").format == .jpeg)
        #expect(try parameters("/?format=webp&lossless=true").encoding(input: .png)
            == OutputEncoding(format: .webp, quality: 90, lossless: true))
        #expect(try parameters("/?lossless=0&quality=70").encoding(input: .webp) == OutputEncoding(format: .webp, quality: 70))
        for bad in ["/?scale=3", "/?scale=two", "/?quality=101", "/?quality=", "/?format=gif", "/?lossless=yes"] {
            #expect(throws: ProblemDetails.self, "\(bad)") { try parameters(bad) }
        }
        let problem = #expect(throws: ProblemDetails.self) { try parameters("/?lossless=1").encoding(input: .jpeg) }
        #expect(problem?.status == 400 && problem?.detail.contains("JPEG has no lossless") == true)
    }

    @Test func routesMatchExactlyAndReportTemplates() {
        let table = RouteTable(Route.allCases)
        #expect(table.match(method: .post, path: "/v1/upscale") == .route(.upscale))
        #expect(table.match(method: .head, path: "/healthz") == .route(.healthz))
        #expect(table.match(method: .get, path: "/openapi.json") == .route(.openAPI))
        #expect(table.match(method: .get, path: "/v1/upscale") == .methodNotAllowed(allowed: [.post]))
        #expect(table.match(method: .get, path: "/v1/upscale/") == .notFound)
        #expect(table.label(method: "GET", path: "/etc/passwd") == Route.unmatchedLabel)
        #expect(table.label(method: "GET", path: "/v1/upscale") == "/v1/upscale", "known path, wrong method: still its template")
        #expect(table.label(method: "BREW", path: "/metrics") == "/metrics")
    }

    @Test func requestIDsAreEchoedOnlyWhenSane() {
        #expect(RequestID.of(RequestHead(method: .get, target: "/", headers: ["X-Request-ID": "abc-123"])) == "abc-123")
        let injected = RequestID.of(RequestHead(method: .get, target: "/", headers: ["X-Request-ID": "a b\u{7F}"]))
        #expect(injected != "a b\u{7F}" && injected.count == 32)
        #expect(RequestID.generate() != RequestID.generate())
    }
}
