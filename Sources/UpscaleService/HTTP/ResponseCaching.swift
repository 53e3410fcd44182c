import HTTPServer

/// The validators and freshness of an image answer: `ETag`, `Cache-Control` for a cache or CDN in
/// front, `Vary: Accept` when the format was negotiated, and the `304 Not Modified` for a client whose
/// `If-None-Match` already names the answer (no job is queued for it).
///
/// RFC 9110 §13.1.2 has servers answer a failed `If-None-Match` on methods other than GET and HEAD
/// with 412; here the POST is a pure function of its body, and `304` (no body) tells a client that
/// holds the image to use it, which is what conditional upscaling is for.
struct ResponseCaching: Sendable {
    /// A day: an answer changes only with the service's model, whose digest is in the tag.
    static let maxAgeSeconds = 86_400

    let tag: EntityTag
    let varyByAccept: Bool
    /// Whether shared caches may keep it: not when the service needs an API key, or a cache would
    /// hand the answer to clients without one.
    let shared: Bool

    var headers: HTTPHeaders {
        var headers: HTTPHeaders = [
            "ETag": tag.header,
            "Cache-Control": "\(shared ? "public" : "private"), max-age=\(Self.maxAgeSeconds)",
        ]
        if varyByAccept { headers.add(name: "Vary", value: "Accept") }
        return headers
    }

    func isNotModified(_ request: Request) -> Bool {
        tag.isMatched(byIfNoneMatch: request.headers["If-None-Match"])
    }

    func notModified(_ context: RequestContext) -> Response {
        var headers = self.headers
        headers.add(name: RequestID.header, value: context.requestID)
        return Response(status: 304, headers: headers)
    }
}
