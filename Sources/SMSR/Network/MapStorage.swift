import Foundation

/// The storage of a network's large feature maps, kept from one run to the next.
///
/// A run needs a few whole-image maps (a 64-channel 640x360 map is 59 MB). Fresh ones cost a page fault per
/// page and the kernel's zeroing of every page, which both threads wait on; storage handed back at the end of a
/// run is reused by the next one (on any thread: the storage is shared by every copy of the network).
/// At most `limitBytes` is kept; storage beyond that is freed, and so is kept storage too small for a map asked for
/// (images or tiles larger than before), so that it does not sit beside the fresh storage at the peak.
final class MapStorage: @unchecked Sendable {
    let limitBytes: Int
    private let lock = NSLock()
    private var kept: [[Float]] = []
    private var keptBytes = 0

    /// Kept storage more than this many times a map's size is not handed out for it.
    static let largestFit = 8

    init(limitBytes: Int) {
        self.limitBytes = limitBytes
    }

    /// The bytes kept now.
    var bytes: Int {
        lock.lock()
        defer { lock.unlock() }
        return keptBytes
    }

    /// A map whose values the caller writes in full before reading: the smallest kept storage that holds it and is
    /// not many times larger, or fresh storage.
    func map(height: Int, width: Int, channels: Int) -> FeatureMap {
        let count = height * width * channels
        var storage: [Float]?
        lock.lock()
        // The smallest storage that holds the map; of equal ones, the one holding the most values already: storage
        // holding fewer values than asked for is extended with zeros (a 640x360 map's 16 channels: 15 MB written).
        func cost(_ i: Int) -> (Int, Int) { (kept[i].capacity, max(0, count - kept[i].count)) }
        let holding = kept.indices.filter { kept[$0].capacity >= count }
        // Storage many times the map's size is left for the large map of this run it was kept for: a map of a few
        // channels taking it would send that map to fresh pages while the rest of the storage sits unused.
        let fitting = holding.filter { kept[$0].capacity <= count * Self.largestFit }
        if let best = fitting.min(by: { cost($0) < cost($1) }) {
            storage = kept.remove(at: best)
            keptBytes -= storage!.capacity * MemoryLayout<Float>.stride
        } else if holding.isEmpty {
            // Maps have grown (a larger image or tile): storage too small for them would only add to the peak.
            kept.removeAll { $0.capacity < count }
            keptBytes = kept.reduce(0) { $0 + $1.capacity * MemoryLayout<Float>.stride }
        }
        lock.unlock()
        guard let values = storage.take() else { return FeatureMap(uninitializedHeight: height, width: width, channels: channels) }
        // Moved, not copied, so the storage stays uniquely referenced and reshaping does not copy it.
        var map = FeatureMap(height: 1, width: values.count, channels: 1, values: consume values)
        map.reshapeUninitialized(height: height, width: width, channels: channels)
        return map
    }

    /// Takes `map`'s storage for later runs (leaving `map` empty), unless that would keep more than the limit.
    func keep(_ map: inout FeatureMap) {
        var values: [Float] = []
        swap(&values, &map.values)
        map = FeatureMap(height: 0, width: 0, channels: 0)
        let bytes = values.capacity * MemoryLayout<Float>.stride
        guard bytes > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        guard keptBytes + bytes <= limitBytes else { return }
        kept.append(values)
        keptBytes += bytes
    }
}

extension MapStorage {
    /// Frees every kept map; returns the bytes freed. Maps in use by a run are not kept, so not touched.
    func releaseAll() -> Int {
        lock.lock()
        let released = keptBytes
        kept.removeAll()
        keptBytes = 0
        lock.unlock()
        return released
    }
}

extension SMSRNetwork {
    /// The bytes of feature-map storage kept for the next run.
    public var keptStorageBytes: Int { storage.bytes }

    /// Frees the storage kept for the next run (which then starts on fresh pages); returns the bytes freed.
    @discardableResult
    public func releaseKeptStorage() -> Int { storage.releaseAll() }
}
