import Foundation

/// A value behind an `NSLock`, for the few pieces of state read from other queues (counters,
/// `ConnectionState`). `Synchronization.Mutex` would do, but needs macOS 15.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    var current: Value { withLock { $0 } }
}
