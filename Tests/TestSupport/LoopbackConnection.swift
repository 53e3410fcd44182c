import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP connection to 127.0.0.1, for tests that write exact bytes and read exact replies. Every
/// receive waits at most `timeout` seconds, so a missing reply fails the test instead of hanging it.
public final class LoopbackConnection {
    public struct ConnectFailure: Error, CustomStringConvertible {
        public let errno: Int32
        public var description: String { "connect failed: errno \(errno)" }
    }

    /// What one receive got.
    public enum Received {
        case bytes([UInt8])
        /// The peer closed (or reset) the connection.
        case closed
        /// The timeout passed, or the socket failed otherwise.
        case failed
    }

    private let fd: Int32

    /// Connects to 127.0.0.1:`port`. `receiveBuffer` shrinks SO_RCVBUF (for clients that stall).
    public init(port: Int, timeout: Double = 5, receiveBuffer: Int32? = nil) throws {
        #if canImport(Glibc)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw ConnectFailure(errno: errno) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // No close here: every stored property is set, so a throw runs deinit, which closes fd. Closing it
        // twice could close a descriptor another test running at the same time has just been given.
        if rc != 0 { throw ConnectFailure(errno: errno) }
    }

    deinit { close(fd) }

    /// Sends all of `bytes`; false if the connection failed first.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            #if canImport(Glibc)
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            #else
            let n = bytes[offset...].withUnsafeBytes { Darwin.send(fd, $0.baseAddress, $0.count, 0) }
            #endif
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// The next bytes that arrive (up to 64 KiB).
    public func receive() -> Received {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 { return .bytes(Array(chunk[0..<n])) }
        return n == 0 || errno == ECONNRESET ? .closed : .failed
    }

    /// Text received until `done` holds for all of it, the peer closes, or a receive times out.
    public func receive(until done: (String) -> Bool) -> String {
        var data = [UInt8]()
        while !done(String(decoding: data, as: UTF8.self)), case .bytes(let more) = receive() {
            data += more
        }
        return String(decoding: data, as: UTF8.self)
    }
}
