import Foundation
import HTTPServer

/// Drops queued jobs whose client has gone. One close observer per connection (not per request),
/// holding the ids of that connection's jobs still waiting, so a long keep-alive connection does
/// not pile up observers.
final class DisconnectWatch: @unchecked Sendable {
    private let lock = NSLock()
    // Guarded by `lock`: jobs waiting, by connection.
    private var waiting: [ObjectIdentifier: Set<UInt64>] = [:]
    private let dropped: @Sendable (UInt64) -> Void

    /// `dropped` gets each waiting job's id when its connection closes.
    init(dropped: @escaping @Sendable (UInt64) -> Void) {
        self.dropped = dropped
    }

    func watch(_ connection: ConnectionState, job: UInt64) {
        let key = ObjectIdentifier(connection)
        let isNew = lock.withLock {
            let isNew = waiting[key] == nil
            waiting[key, default: []].insert(job)
            return isNew
        }
        // Outside the lock: on an already closed connection the observer runs at once.
        if isNew {
            connection.onClose { [weak self] in self?.closed(key) }
        }
    }

    /// The job left the queue; its connection need not be watched for it any more.
    func forget(_ connection: ConnectionState, job: UInt64) {
        let key = ObjectIdentifier(connection)
        lock.withLock { _ = waiting[key]?.remove(job) }
    }

    private func closed(_ key: ObjectIdentifier) {
        let jobs = lock.withLock { waiting.removeValue(forKey: key) ?? [] }
        for job in jobs { dropped(job) }
    }
}
