#if canImport(Glibc)
import Glibc
#endif
@testable import HTTPServer
import Testing
import TestSupport

@Suite("Socket flags")
struct SocketFlagsTests {
    /// Accepted connections are non-blocking and closed on exec, and on Linux both flags come with accept4 itself,
    /// so a fork in another thread never inherits the connection.
    @Test("an accepted connection is non-blocking and close-on-exec")
    func acceptedConnectionFlags() throws {
        let listener = try Socket.makeListener(host: "127.0.0.1", port: 0, backlog: 4)
        defer { close(listener.fd) }
        let client = try LoopbackConnection(port: listener.port)
        // The connection is queued once connect returns; poll waits for it without a fixed delay.
        var ready = pollfd(fd: listener.fd, events: Int16(POLLIN), revents: 0)
        #expect(poll(&ready, 1, 5000) == 1)
        let accepted = withExtendedLifetime(client) { Socket.acceptOne(listener.fd) }
        guard case .connection(let fd, _) = accepted else {
            Issue.record("no connection accepted")
            return
        }
        defer { close(fd) }
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
        #expect(fcntl(fd, F_GETFL) & O_NONBLOCK != 0)
        #if os(Linux)
        #expect(Socket.acceptWithFlags != nil, "accept4 not found: flags set after accept, not atomically")
        #endif
    }
}
