#if canImport(Glibc)
import Glibc
#endif

/// Storage for whole-image feature maps whose every value the caller writes before reading.
///
/// A run touches a few hundred MB of fresh maps (a 64-channel 640x360 map is 59 MB), and first-touching it in
/// 4 KiB pages costs more than the writes themselves: a fault per page, which threads contend for. Where the
/// system gives transparent huge pages on request (`madvise` mode, the Debian default), the storage asks for
/// them before anything touches it, so each fault brings in 2 MiB.
enum FeatureStorage {
    /// Below this a map is not worth the advice (it spans at most a couple of huge pages).
    static let hugePageThreshold = 4 << 20

    static func uninitialized(count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress, count * MemoryLayout<Float>.stride >= hugePageThreshold {
                adviseHugePages(UnsafeMutableRawPointer(base), byteCount: count * MemoryLayout<Float>.stride)
            }
            initialized = count
        }
    }

    /// Advice only: a kernel without transparent huge pages refuses it, and the pages stay small.
    private static func adviseHugePages(_ start: UnsafeMutableRawPointer, byteCount: Int) {
        #if os(Linux)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: start) + page - 1) / page * page
        let end = (Int(bitPattern: start) + byteCount) / page * page
        guard end > first, let aligned = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(aligned, end - first, MADV_HUGEPAGE)
        #endif
    }
}

extension FeatureMap {
    /// A map whose values are not initialized: for outputs the caller writes in full before reading.
    init(uninitializedHeight height: Int, width: Int, channels: Int) {
        self.init(height: height, width: width, channels: channels,
                  values: FeatureStorage.uninitialized(count: height * width * channels))
    }
}

extension FeatureMap {
    /// Gives the map a new shape whose values the caller writes in full before reading, keeping the storage when
    /// it is large enough: maps whose channel count changes from block to block then cost no fresh pages.
    mutating func reshapeUninitialized(height: Int, width: Int, channels: Int) {
        guard self.height != height || self.width != width || self.channels != channels else { return }
        let count = height * width * channels
        var storage: [Float] = []
        swap(&storage, &values)
        if storage.capacity >= count {
            // Within the capacity neither call reallocates.
            if storage.count > count { storage.removeLast(storage.count - count) }
            if storage.count < count { storage.append(contentsOf: repeatElement(0, count: count - storage.count)) }
        } else {
            storage = FeatureStorage.uninitialized(count: count)
        }
        self = FeatureMap(height: height, width: width, channels: channels, values: storage)
    }
}
