import Foundation
import HTTPServer
import Testing
import TestSupport

@Suite("Pipelining")
struct PipeliningTests {
    @Test("responses leave in request order even when handlers finish out of order")
    func orderedResponses() throws {
        let lastHandled = Flag()
        let t = try TestServer { request, respond in
            switch request.path {
            case "/a":
                // Held until /c has been answered, so /a finishes last.
                DispatchQueue.global().async {
                    lastHandled.wait(seconds: 5)
                    respond(.text("a"))
                }
            case "/c":
                respond(.text("c"))
                lastHandled.set()
            default:
                respond(.text(String(request.path.dropFirst())))
            }
        }
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n")
        let bodies = try (0..<3).map { _ in try c.readResponse().text }
        #expect(bodies == ["a", "b", "c"])
        #expect(lastHandled.value)
    }

    @Test("a request with Connection: close ends the pipeline")
    func closeInPipeline() throws {
        let t = try TestServer(handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try c.readResponse().text == "GET /1 0")
        let second = try c.readResponse()
        #expect(second.text == "GET /2 0")
        #expect(second.header("Connection") == "close")
        #expect(try c.readUntilClosed().isEmpty)
    }

    @Test("more pipelined requests than the depth limit are all answered")
    func deeperThanLimit() throws {
        let t = try TestServer(configure: { $0.limits.maxPipelinedRequests = 2 }, handler: TestServer.echo)
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send((1...10).map { "GET /\($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined())
        for i in 1...10 {
            #expect(try c.readResponse().text == "GET /\(i) 0")
        }
    }

    @Test("100 Continue for a pipelined request waits until earlier responses are written")
    func continueWaitsItsTurn() throws {
        let postHeadSeen = Flag()
        let t = try TestServer(admission: { head in
            if head.method == .post { postHeadSeen.set() }
            return nil
        }) { request, respond in
            if request.path == "/first" {
                // Answer only once the server has read the next request's head, so an early
                // 100 Continue would be on the wire before this response.
                DispatchQueue.global().async {
                    postHeadSeen.wait(seconds: 5)
                    respond(.text("first"))
                }
            } else {
                respond(.text("\(request.path) \(request.body.count)"))
            }
        }
        defer { t.stop() }
        let c = try RawClient(port: t.port)
        try c.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\nPOST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        let first = try c.readResponse()
        #expect(first.status == 200)
        #expect(first.text == "first")
        #expect(try c.readResponse().status == 100)
        try c.send("body")
        #expect(try c.readResponse().text == "/second 4")
    }
}
