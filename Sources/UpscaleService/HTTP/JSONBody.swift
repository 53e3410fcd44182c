import Foundation
import HTTPServer

/// JSON response bodies: keys sorted so answers are stable and diffable, slashes left alone.
enum JSONBody {
    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value)) + [0x0A]
        } catch {
            // Our own value types always encode; this would be a programming error.
            preconditionFailure("JSON encoding failed: \(error)")
        }
    }

    static func response<T: Encodable>(_ value: T, status: Int = 200, requestID: String) -> Response {
        Response(status: status,
                 headers: ["Content-Type": "application/json", "X-Request-ID": requestID],
                 body: encode(value))
    }
}
