/// Why a server could not start.
public enum ServerError: Error, Sendable, CustomStringConvertible {
    case alreadyStarted
    /// `shutdown` was called; a server is not restarted.
    case shutDown
    case addressResolution(host: String, message: String)
    /// A socket call failed; `call` names it, `errno` says why.
    case socket(call: String, errno: Int32)

    public var description: String {
        switch self {
        case .alreadyStarted: "server already started"
        case .shutDown: "server was shut down"
        case .addressResolution(let host, let message): "cannot resolve \(host): \(message)"
        case .socket(let call, let code): "\(call) failed: errno \(code)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
