import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The listening socket and the read source that reports pending connections. Closing it first
/// shuts the socket down, so the kernel refuses new connections at once, before Dispatch gets round
/// to the cancel handler that releases the descriptor.
final class Listener {
    let fd: Int32
    private let source: DispatchSourceRead
    private var paused = false
    private var closed = false

    init(fd: Int32, queue: DispatchQueue, onReadable: @escaping @Sendable () -> Void) {
        self.fd = fd
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler(handler: onReadable)
        source.setCancelHandler { Socket.closeDescriptor(fd) }
        source.activate()
    }

    /// Stops reporting connections for a while (used when the process is out of descriptors, where
    /// a level-triggered source would otherwise spin).
    func pause() {
        guard !paused, !closed else { return }
        paused = true
        source.suspend()
    }

    func resume() {
        guard paused, !closed else { return }
        paused = false
        source.resume()
    }

    func close() {
        guard !closed else { return }
        closed = true
        shutdown(fd, Int32(SHUT_RDWR))
        if paused {
            paused = false
            source.resume()  // a suspended source never runs its cancel handler
        }
        source.cancel()
    }
}
