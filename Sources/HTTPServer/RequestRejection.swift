/// Why the server refused a request on its own, before or while reading it. Every rejection is
/// answered with `status` and then the connection is closed: after a framing error the server can
/// no longer tell where the next request would start.
struct RequestRejection: Error, Sendable, Equatable {
    var status: Int
    /// A short reason, sent as the plain-text body and logged.
    var reason: String

    static func badRequest(_ reason: String) -> RequestRejection { .init(status: 400, reason: reason) }
    static let requestTimeout = RequestRejection(status: 408, reason: "request not received in time")
    static let contentTooLarge = RequestRejection(status: 413, reason: "request content exceeds the limit")
    static let uriTooLong = RequestRejection(status: 414, reason: "request line too long")
    static func headersTooLarge(_ reason: String) -> RequestRejection { .init(status: 431, reason: reason) }
    static let expectationFailed = RequestRejection(status: 417, reason: "only 100-continue is supported")
    static let notImplemented = RequestRejection(status: 501, reason: "method not implemented")
    static let versionNotSupported = RequestRejection(status: 505, reason: "only HTTP/1.0 and HTTP/1.1 are supported")

    var response: Response { Self.response(status: status, reason: reason, configuration: nil) }

    /// The configuration's own format for the rejection if it has one, else the plain-text reason.
    static func response(status: Int, reason: String, configuration: ServerConfiguration?) -> Response {
        guard let format = configuration?.rejectionResponse else { return .text("\(reason)\n", status: status) }
        var response = format(status, reason)
        response.status = status
        return response
    }
}
