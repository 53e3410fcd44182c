/// The HTTP/2 client connection preface (RFC 9113 §3.4): what a client with prior knowledge sends
/// first. No HTTP/1.1 request can start with it (its request line would name version 2.0).
enum ClientPreface {
    static let bytes = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    enum Match: Equatable {
        /// The bytes so far differ from the preface: this is not an HTTP/2 client.
        case differs
        /// The bytes so far are the preface's beginning; more are needed to tell.
        case partial
        case complete
    }

    static func match<C: Collection>(_ received: C) -> Match where C.Element == UInt8 {
        var count = 0
        for (a, b) in zip(received, bytes) {
            if a != b { return .differs }
            count += 1
        }
        return count == bytes.count ? .complete : .partial
    }
}
