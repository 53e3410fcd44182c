import Foundation
import HTTPServer

extension UpscaleService {
    /// Why `start` or `runUntilTerminated` could not open the listeners.
    public typealias StartError = ServerError
}

extension ServerError {
    /// Why a listener could not start, for a person: "address already in use (bind)" rather than an errno.
    public var reason: String {
        guard case let .socket(call, code) = self else { return description }
        return "\(String(cString: strerror(code)).lowercased()) (\(call))"
    }
}
