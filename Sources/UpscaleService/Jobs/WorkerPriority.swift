#if canImport(Glibc)
import Glibc
#endif

/// Job threads run at a lower scheduling priority than the event loop and the request handlers
/// (nice +10, per thread on Linux). When jobs fill every core, `/healthz`, the admission that answers
/// 503 with Retry-After and the reading of other uploads still get a core at once; a job on an
/// otherwise idle machine loses nothing, since nice only matters when threads compete.
enum WorkerPriority {
    static let niceIncrement: Int32 = 10

    /// Lowers the calling thread's priority (a no-op where threads have no nice value of their own).
    static func lowerCurrentThread() {
        #if os(Linux)
        // With `who` 0, Linux applies PRIO_PROCESS to the calling thread alone (nice is per thread
        // there, see setpriority(2)).
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        errno = 0
        let current = getpriority(which, 0)
        guard errno == 0 else { return }
        _ = setpriority(which, 0, min(19, current + niceIncrement))
        #endif
    }
}
