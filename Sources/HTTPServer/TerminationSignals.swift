import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns termination signals (SIGTERM, SIGINT by default) into a callback, typically one that
/// calls `Server.shutdown`, so the process stays up to drain instead of dying at once.
///
/// The C handler is installed before `init` returns (so a signal arriving right after is never
/// lost) and only writes the signal number to a pipe; a Dispatch read source on that pipe calls the
/// Swift closure on an ordinary queue. Dispatch's own signal sources are not used: on Linux they
/// install their handler asynchronously, and a signal arriving in between is lost.
public final class TerminationSignals: Sendable {
    private let token: UInt64
    private let signals: [Int32]

    /// `handler` runs on `queue` each time one of `signals` arrives, with the signal number.
    public init(signals: [Int32] = [SIGTERM, SIGINT], queue: DispatchQueue = .global(),
                handler: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
        token = SignalRelay.shared.add(signals: signals, queue: queue, handler: handler)
    }

    /// Stops calling the handler; a signal nobody watches any more gets its default action back.
    public func cancel() {
        SignalRelay.shared.remove(token)
    }
}

/// Written only once, before any handler is installed; read by the C signal handler.
nonisolated(unsafe) private var relayWriteDescriptor: Int32 = -1

/// The signal handler proper: async-signal-safe, so it does nothing but `write`.
private func relaySignal(_ number: Int32) {
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(relayWriteDescriptor, &byte, 1)
}

/// The process-wide pipe between the C handler and the watchers' closures.
/// `@unchecked Sendable`: `source` is set up in `init` and never touched again; the watcher table
/// is behind a lock.
private final class SignalRelay: @unchecked Sendable {
    static let shared = SignalRelay()

    private struct Watcher {
        var signals: [Int32]
        var queue: DispatchQueue
        var handler: @Sendable (Int32) -> Void
    }

    private let watchers = Locked<(next: UInt64, all: [UInt64: Watcher])>((1, [:]))
    private let source: DispatchSourceRead

    private init() {
        var fds: [Int32] = [-1, -1]
        let rc = pipe(&fds)
        precondition(rc == 0, "pipe() failed for the signal relay")
        for fd in fds {
            Socket.setNonBlocking(fd)
            Socket.setCloseOnExec(fd)
        }
        relayWriteDescriptor = fds[1]
        let readFD = fds[0]
        source = DispatchSource.makeReadSource(fileDescriptor: readFD, queue: DispatchQueue(label: "smsr.signals"))
        let watchers = watchers
        source.setEventHandler {
            var bytes = [UInt8](repeating: 0, count: 64)
            while true {
                let n = read(readFD, &bytes, bytes.count)
                if n <= 0 { break }
                let current = watchers.withLock { Array($0.all.values) }
                for number in bytes[0..<n].map(Int32.init) {
                    for w in current where w.signals.contains(number) {
                        let handler = w.handler
                        w.queue.async { handler(number) }
                    }
                }
            }
        }
        source.activate()
    }

    func add(signals: [Int32], queue: DispatchQueue, handler: @escaping @Sendable (Int32) -> Void) -> UInt64 {
        watchers.withLock { state in
            let token = state.next
            state.next += 1
            state.all[token] = Watcher(signals: signals, queue: queue, handler: handler)
            for number in signals { signal(number, relaySignal) }
            return token
        }
    }

    func remove(_ token: UInt64) {
        watchers.withLock { state in
            guard let removed = state.all.removeValue(forKey: token) else { return }
            let stillWatched = Set(state.all.values.flatMap(\.signals))
            for number in removed.signals where !stillWatched.contains(number) {
                signal(number, SIG_DFL)
            }
        }
    }
}
