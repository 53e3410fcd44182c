import Testing
@testable import HTTPServer

@Suite("Parsing and encoding, without sockets")
struct CodecTests {
    @Test("the chunked decoder gives the same body whatever the read boundaries")
    func chunkedSplitAnywhere() throws {
        let wire = Array("4;x=y\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: v\r\n\r\nNEXT".utf8)
        let bodyEnd = wire.count - 4
        for piece in 1...wire.count {
            var decoder = ChunkedDecoder(maxBodyBytes: 1000, maxLineBytes: 100, maxTrailerBytes: 100)
            var body: [UInt8] = []
            var offset = 0
            while offset < wire.count, !decoder.isFinished {
                let end = min(offset + piece, wire.count)
                let consumed = try decoder.decode(wire, start: offset, end: end, into: &body).get()
                offset += consumed
                if consumed < end - offset + consumed { break }
            }
            #expect(decoder.isFinished)
            #expect(offset == bodyEnd, "piece size \(piece)")
            #expect(String(decoding: body, as: UTF8.self) == "Wikipedia in\r\n\r\nchunks.")
        }
    }

    @Test("the head parser gives the same head whatever the read boundaries")
    func headSplitAnywhere() {
        let wire = Array("POST /p?q=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc".utf8)
        for cut in 1..<wire.count {
            var parser = RequestHeadParser(limits: HTTPLimits())
            var outcome = parser.parse(wire, start: 0, end: cut)
            if case .needMore = outcome { outcome = parser.parse(wire, start: 0, end: wire.count) }
            guard case .complete(let head, let consumed) = outcome else {
                Issue.record("cut \(cut): \(outcome)")
                continue
            }
            #expect(consumed == wire.count - 3)
            #expect(head.method == .post && head.path == "/p" && head.query == "q=1")
            #expect(head.headers["content-length"] == "3")
        }
    }

    @Test("HTTPHeaders look names up case-insensitively and keep order")
    func headers() {
        var h: HTTPHeaders = ["Accept": "a", "X-One": "1"]
        h.add(name: "x-one", value: "2")
        #expect(h["X-ONE"] == "1")
        #expect(h.values(for: "x-one") == ["1", "2"])
        h.replaceOrAdd(name: "X-One", value: "3")
        #expect(h.values(for: "X-one") == ["3"])
        h.remove(name: "ACCEPT")
        #expect(!h.contains("accept"))
        #expect(h.map(\.name) == ["X-One"])
    }

    @Test("query items decode + and percent escapes and keep malformed escapes")
    func queryItems() {
        let head = RequestHead(method: .get, target: "/s?a=1&b=x+y&c=%41%zz&d&=e")
        let items = head.queryItems.map { "\($0.name)=\($0.value)" }
        #expect(items == ["a=1", "b=x y", "c=A%zz", "d=", "=e"])
        #expect(RequestHead(method: .get, target: "/plain").query == nil)
        #expect(RequestHead(method: .get, target: "http://h:1?x=1").path == "/")
    }

    @Test("Content-Length parsing accepts digits only")
    func contentLength() {
        #expect(MessageFraming.parseContentLength("0") == .value(0))
        #expect(MessageFraming.parseContentLength("0012") == .value(12))
        #expect(MessageFraming.parseContentLength("99999999999999999999999") == .tooLarge)
        for bad in ["", "1.0", "0x10", "+1", "1,1", "１"] {
            #expect(MessageFraming.parseContentLength(bad) == .invalid, "\(bad)")
        }
    }

    @Test("HTTP dates use the IMF-fixdate form")
    func date() {
        #expect(HTTPDate.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    @Test("response encoding: 204 and 304 carry no length, HEAD no body")
    func encoding() {
        let noContent = ResponseEncoder.encode(Response(status: 204, body: [1]), requestMethod: .get, close: false, date: "D", serverName: "s")
        #expect(!noContent.sendsBody)
        #expect(!String(decoding: noContent.head, as: UTF8.self).contains("Content-Length"))
        let head = ResponseEncoder.encode(.text("hello"), requestMethod: .head, close: true, date: "D", serverName: "")
        let text = String(decoding: head.head, as: UTF8.self)
        #expect(!head.sendsBody)
        #expect(text.contains("Content-Length: 5\r\n"))
        #expect(text.contains("Connection: close\r\n"))
        #expect(!text.contains("Server:"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }
}
