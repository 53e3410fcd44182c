import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import UpscaleService

/// `GET /openapi.json`: a valid OpenAPI 3.1 document (openapi-spec-validator, from PyPI) that names every
/// route and every problem type the service sends. That the live service answers as documented is
/// schemathesis's part (scripts/schemathesis.sh, run by `make test`).
@Suite struct OpenAPITests {
    @Test func theDocumentIsValidAndServedWithoutAKey() async throws {
        let harness = try ServiceHarness { $0.apiKeys = APIKeys(tokens: ["key-1"]) }
        let reply = try Curl.run([harness.url("/openapi.json")])
        await harness.stop()
        #expect(reply.status == 200 && reply.headers["content-type"] == "application/json")
        #expect(reply.body == OpenAPIDocument.body)
        let file = try TestImages.write(reply.body, ext: "json")
        let validation = try Program.run("/usr/bin/env", ["python3", "-m", "openapi_spec_validator", file])
        #expect(validation.status == 0, "openapi-spec-validator (pip): \(validation.output) \(validation.errors)")
        let document = try reply.json()
        #expect(document["openapi"] as? String == "3.1.0")
        #expect((document["info"] as? [String: Any])?["version"] as? String == ServiceVersion.current)
    }

    @Test func everyRouteIsDocumentedWithItsMethod() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.body)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        #expect(Set(paths.keys) == Set(Route.allCases.map(\.template)))
        for route in Route.allCases {
            let operations = paths[route.template] ?? [:]
            #expect(Set(operations.keys) == [route.method.rawValue.lowercased()], "\(route.template)")
            let operation = operations[route.method.rawValue.lowercased()] as? [String: Any]
            let responses = operation?["responses"] as? [String: Any] ?? [:]
            #expect(responses["200"] != nil, "\(route.template)")
            if route.needsAuthorization { #expect(responses["401"] != nil, "\(route.template) needs a key") }
            if route.takesImage {
                for status in ["400", "413", "415", "422", "503", "504"] { #expect(responses[status] != nil, "\(route.template) \(status)") }
            }
        }
    }

    @Test func everyProblemTypeIsDocumented() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.body)) as? [String: Any])
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any]
        let problem = (schemas?["Problem"] as? [String: Any])?["properties"] as? [String: Any]
        let documented = Set(((problem?["type"] as? [String: Any])?["enum"] as? [String]) ?? [])
        // Every kind written in the service's source, and those the HTTP layer's refusals map to.
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/UpscaleService")
        var kinds: Set<String> = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift", file.lastPathComponent != "OpenAPIDocument.swift" else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            let pattern = try NSRegularExpression(pattern: #"kind: "([a-z-]+)""#)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                kinds.insert(String(text[Range(match.range(at: 1), in: text)!]))
            }
        }
        for status in [400, 408, 413, 414, 431, 501, 503, 505] {
            kinds.insert(String(ProblemDetails.protocolRejection(status: status, reason: "r", maxBodyBytes: 1).type.split(separator: "/").last!))
        }
        #expect(kinds.count > 20, "\(kinds)")
        for kind in kinds {
            #expect(documented.contains("tag:smsr-serve,2026:problem/\(kind)"), "problem type \(kind) is not in /openapi.json")
        }
    }
}
