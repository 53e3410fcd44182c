/// What a handler answers. The server owns the framing headers: it sets `Content-Length`,
/// `Connection`, `Date` and (unless given) `Server`, and drops any `Transfer-Encoding`,
/// `Content-Length` or `Connection` set here. The one exception: a response to HEAD with an empty
/// body may carry the `Content-Length` its GET would have.
public struct Response: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ text: String, status: Int = 200, headers: HTTPHeaders = HTTPHeaders()) -> Response {
        var h = headers
        if !h.contains("Content-Type") { h.add(name: "Content-Type", value: "text/plain; charset=utf-8") }
        return Response(status: status, headers: h, body: Array(text.utf8))
    }

    public var reasonPhrase: String { HTTPStatus.reasonPhrase(for: status) }
}
