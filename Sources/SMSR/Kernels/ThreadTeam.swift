import Dispatch
import Foundation

/// Runs one operation's index range on a fixed number of threads. The range is cut into chunks whose
/// boundaries are multiples of `granularity` (so a kernel's position blocks, and with them its results, do not
/// depend on the thread count); each thread takes the next chunk when done, so a core slowed by other work
/// does not hold the others up.
public struct ThreadTeam: Sendable {
    public let threads: Int

    public init(threads: Int) {
        self.threads = max(1, threads)
    }

    public static let single = ThreadTeam(threads: 1)

    /// Calls `body` on disjoint ranges covering `0..<count`, possibly concurrently: `body` must only write
    /// what belongs to its range (the kernels write disjoint output positions).
    public func forEachChunk(_ count: Int, granularity: Int = 1, chunksPerThread: Int = 6, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let units = (count + granularity - 1) / granularity
        let workers = min(threads, units)
        guard workers > 1 else { return body(0..<count) }
        let unitsPerChunk = max(1, units / (workers * chunksPerThread))
        let chunkSize = unitsPerChunk * granularity
        let chunks = (count + chunkSize - 1) / chunkSize
        let cursor = ChunkCursor()
        withoutActuallyEscaping(body) { body in
            // Disjoint ranges are the caller's promise; the closure itself never outlives this call.
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let c = cursor.next(below: chunks) {
                    body((c * chunkSize)..<min(count, (c + 1) * chunkSize))
                }
            }
        }
    }
}

/// The next chunk to hand out; a lock is cheap next to a chunk of convolution.
private final class ChunkCursor: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}
