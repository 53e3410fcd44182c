import Foundation
import TestSupport

/// Bytes on a socket, for requests curl will not send (malformed framing).
enum RawHTTP {
    /// Sends `request` to 127.0.0.1:`port` and returns everything read until the server closes.
    static func exchange(port: Int, request: String) throws -> String {
        let connection = try LoopbackConnection(port: port, timeout: 30)
        connection.send(Array(request.utf8))
        return connection.receive(until: { _ in false })
    }
}
