import Foundation
import HTTPServer

/// An error answer in the RFC 9457 format (`application/problem+json`): a stable `type` URI a client
/// can switch on, a short `title` for that type, the `status`, and a `detail` written for the person
/// reading it. Extra headers (`Retry-After`, `WWW-Authenticate`, `Allow`) travel with it.
public struct ProblemDetails: Error, Sendable {
    /// A `tag:` URI naming the kind of problem; such URIs identify without promising a page to fetch.
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var headers: HTTPHeaders
    /// What `smsr_images_rejected_total{reason}` counts this refusal as, when it refuses an image.
    public var rejectionReason: String?

    public init(kind: String, title: String, status: Int, detail: String,
                headers: HTTPHeaders = HTTPHeaders(), rejectionReason: String? = nil) {
        type = "tag:smsr-serve,2026:problem/\(kind)"
        self.title = title
        self.status = status
        self.detail = detail
        self.headers = headers
        self.rejectionReason = rejectionReason
    }

    public static let mediaType = "application/problem+json"

    /// The body as RFC 9457 members; `instance` names this occurrence by its request id, which the
    /// client also gets in `X-Request-ID` and the server writes to its log.
    struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var instance: String
        var request_id: String
    }

    public func response(requestID: String) -> Response {
        let body = Body(type: type, title: title, status: status, detail: detail,
                        instance: "urn:smsr-serve:request:\(requestID)", request_id: requestID)
        var headers = self.headers
        headers.replaceOrAdd(name: "Content-Type", value: Self.mediaType)
        headers.replaceOrAdd(name: "X-Request-ID", value: requestID)
        return Response(status: status, headers: headers, body: JSONBody.encode(body))
    }
}
