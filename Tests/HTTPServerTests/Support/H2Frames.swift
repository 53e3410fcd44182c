import Foundation
import TestSupport

/// Runs `h2frames.py` (raw HTTP/2 frames from Python's hyperframe and hpack) against a test server and
/// decodes what it saw.
enum H2Frames {
    struct Goaway: Decodable, Equatable {
        var error_code: Int
        var last_stream_id: Int
    }

    struct Outcome: Decodable {
        var goaway: Goaway?
        /// RST_STREAM error codes the server sent, by stream id.
        var resets: [String: Int]
        /// Final response statuses, by stream id.
        var responses: [String: Int]
        var data: [String: Int]
        /// The server closed the connection.
        var closed: Bool
        var pings: Int
        var settings_acks: Int
        /// A second connection's answers before and after the attack (absent for `in_flight`).
        var bystander: [Int?]?
    }

    static let enhanceYourCalm = 0xB
    static let protocolError = 0x1

    static func run(_ scenario: String, port: Int, _ n: Int = 0) throws -> Outcome {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("h2frames.py").path
        let r = try Program.run("/usr/bin/env", ["python3", script, scenario, String(port), String(n)])
        guard r.status == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "h2frames.py \(scenario): \(r.errors)"])
        }
        return try JSONDecoder().decode(Outcome.self, from: r.stdout)
    }
}
