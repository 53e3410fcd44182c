import Dispatch
import Foundation
import SMSR
#if canImport(Glibc)
import Glibc
#endif

/// Gives the working memory of finished jobs back to the system once the workers have been idle for `delay`:
/// the networks' kept feature maps are freed, then glibc's `malloc_trim(0)` returns the free pages of every
/// malloc arena. Jobs close together keep reusing the maps (fresh ones cost a page fault per page); an idle
/// service holds only what it needs between jobs.
public final class MemoryRelease: @unchecked Sendable {
    /// What one release gave back.
    public struct Report: Sendable {
        /// Bytes of kept feature maps freed.
        public let keptBytes: Int
        /// Whether `malloc_trim` returned any memory to the system.
        public let trimmed: Bool
    }

    private let networks: [SMSRNetwork]
    private let delay: Duration
    private let released: @Sendable (Report) -> Void
    private let queue = DispatchQueue(label: "smsr.memory-release")
    private let lock = NSLock()
    // Guarded by `lock`.
    private var running = 0
    /// Changes whenever a job starts or the last running one ends, so a release scheduled before is void.
    private var generation: UInt64 = 0
    /// A job ended since the last release.
    private var owed = false

    init(networks: [SMSRNetwork], delay: Duration, released: @escaping @Sendable (Report) -> Void) {
        self.networks = networks
        self.delay = delay
        self.released = released
    }

    func jobStarted() {
        lock.withLock {
            running += 1
            generation &+= 1
        }
    }

    func jobEnded() {
        let scheduled: UInt64? = lock.withLock {
            running -= 1
            owed = true
            guard running == 0 else { return nil }
            generation &+= 1
            return generation
        }
        guard let scheduled else { return }
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(delay.wholeNanoseconds))) { [self] in
            releaseIfIdle(since: scheduled)
        }
    }

    private func releaseIfIdle(since scheduled: UInt64) {
        let due = lock.withLock {
            guard generation == scheduled, running == 0, owed else { return false }
            owed = false
            return true
        }
        guard due else { return }
        let kept = networks.reduce(0) { $0 + $1.releaseKeptStorage() }
        released(Report(keptBytes: kept, trimmed: Self.trimHeap()))
    }

    /// glibc keeps freed heap memory mapped for reuse; `malloc_trim(0)` unmaps the free pages of every arena.
    /// Looked up at run time: Swift's Glibc module leaves out `malloc.h`, and other C libraries lack it.
    private static func trimHeap() -> Bool {
        guard let trim = mallocTrim else { return false }
        return trim(0) != 0
    }

    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()

    /// Whether this C library can trim its heap (glibc).
    static var canTrimHeap: Bool { mallocTrim != nil }
}
