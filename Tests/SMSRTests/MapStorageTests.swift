import Testing
@testable import SMSR

/// Storage kept between runs: reused when it fits, bounded, and dropped when maps outgrow it.
@Suite struct MapStorageTests {
    static func base(_ map: FeatureMap) -> UnsafeRawPointer { map.values.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) } }

    @Test func keptStorageIsReusedForMapsThatFit() {
        let storage = MapStorage(limitBytes: 1 << 20)
        var map = storage.map(height: 16, width: 16, channels: 64)
        let first = Self.base(map)
        storage.keep(&map)
        #expect(map.values.isEmpty && storage.bytes >= 16 * 16 * 64 * 4)
        let smaller = storage.map(height: 8, width: 16, channels: 40)
        #expect(Self.base(smaller) == first && smaller.values.count == 8 * 16 * 40)
        #expect(storage.bytes == 0)
    }

    /// Two kept storages large enough for a 64-channel map, one last used for 48 channels: the one already holding 64
    /// channels' values is taken, so nothing is filled in; the other then serves the 48-channel map.
    @Test func storageHoldingEnoughValuesIsPreferred() {
        let storage = MapStorage(limitBytes: 1 << 20)
        var wide = storage.map(height: 16, width: 16, channels: 64)
        var narrowed = storage.map(height: 16, width: 16, channels: 64)
        narrowed.reshapeUninitialized(height: 16, width: 16, channels: 48)
        let (wideBase, narrowedBase) = (Self.base(wide), Self.base(narrowed))
        // The narrowed one is kept first, and its storage is no larger: capacity alone would pick it.
        storage.keep(&narrowed)
        storage.keep(&wide)
        let full = storage.map(height: 16, width: 16, channels: 64)
        #expect(Self.base(full) == wideBase)
        let partial = storage.map(height: 16, width: 16, channels: 48)
        #expect(Self.base(partial) == narrowedBase && partial.values.count == 16 * 16 * 48)
    }

    /// A 64-channel map's storage is not handed to a map of a few channels: it waits for the next 64-channel map,
    /// which would otherwise take fresh pages while it sits unused.
    @Test func storageManyTimesTheMapIsLeftForLargerMaps() {
        let storage = MapStorage(limitBytes: 1 << 20)
        var large = storage.map(height: 16, width: 16, channels: 64)
        let largeBase = Self.base(large)
        storage.keep(&large)
        let small = storage.map(height: 16, width: 16, channels: 64 / MapStorage.largestFit / 2)
        #expect(Self.base(small) != largeBase)
        #expect(storage.bytes >= 16 * 16 * 64 * 4)
        let again = storage.map(height: 16, width: 16, channels: 64)
        #expect(Self.base(again) == largeBase)
    }

    @Test func storageBeyondTheLimitIsFreed() {
        let storage = MapStorage(limitBytes: 100 * 1024)
        var a = storage.map(height: 16, width: 16, channels: 64)   // 64 KiB
        var b = storage.map(height: 16, width: 16, channels: 64)
        storage.keep(&a)
        storage.keep(&b)
        #expect(storage.bytes >= 64 * 1024 && storage.bytes <= 100 * 1024)
    }

    @Test func storageTooSmallForALargerMapIsDropped() {
        let storage = MapStorage(limitBytes: 1 << 20)
        var small = storage.map(height: 8, width: 8, channels: 16)
        storage.keep(&small)
        #expect(storage.bytes > 0)
        let large = storage.map(height: 32, width: 32, channels: 64)
        #expect(large.values.count == 32 * 32 * 64)
        #expect(storage.bytes == 0, "the small storage would only add to the peak")
    }
}
