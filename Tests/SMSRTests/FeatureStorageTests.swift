import Foundation
import Testing
@testable import SMSR

/// Whole-image maps ask the system for transparent huge pages before they are first touched.
@Suite struct FeatureStorageTests {
    /// The system's THP mode, the bracketed word of `enabled` (nil where the file does not exist).
    static var hugePageMode: String? {
        guard let text = try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8),
              let open = text.firstIndex(of: "["), let close = text.firstIndex(of: "]") else { return nil }
        return String(text[text.index(after: open)..<close])
    }

    /// `THPeligible` of the mapping that holds `address`, from /proc/self/smaps.
    static func hugePageEligible(_ address: UnsafeRawPointer) throws -> Bool {
        // Read to the end: /proc files report a size of 0.
        let file = try #require(FileHandle(forReadingAtPath: "/proc/self/smaps"))
        defer { try? file.close() }
        let smaps = String(decoding: try file.readToEnd() ?? Data(), as: UTF8.self)
        let target = UInt(bitPattern: address)
        var inside = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = fields.first, range.contains("-"), !range.hasSuffix(":") {
                let bounds = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
                inside = bounds.count == 2 && bounds[0] <= target && target < bounds[1]
            } else if inside, fields.first == "THPeligible:", fields.count > 1 {
                return fields[1] == "1"
            }
        }
        Issue.record("no mapping holds the map's storage")
        return false
    }

    @Test func largeMapsAreEligibleForHugePagesWhereTheSystemOffersThem() throws {
        let mode = try #require(Self.hugePageMode, "this system has no transparent huge page setting")
        // 16 MiB: well above the threshold, and above glibc's initial mmap threshold, so it has its own mapping.
        let map = FeatureMap(uninitializedHeight: 256, width: 256, channels: 64)
        #expect(map.values.count == 256 * 256 * 64)
        let eligible = try map.values.withUnsafeBufferPointer { try Self.hugePageEligible($0.baseAddress! + $0.count / 2) }
        #expect(eligible == (mode != "never"), "THP mode \(mode)")
    }

    @Test func filledMapsHoldTheirValue() {
        for (h, w, c, value) in [(1, 1, 1, Float(0)), (3, 5, 7, -2.5), (256, 256, 64, 1)] {
            let map = FeatureMap(height: h, width: w, channels: c, repeating: value)
            #expect(map.values.count == h * w * c)
            #expect(map.values.allSatisfy { $0 == value })
        }
    }

    /// A map given a shape that fits its storage keeps that storage (no fresh pages); a larger shape gets new storage.
    @Test func reshapingKeepsStorageThatFits() {
        var map = FeatureMap(uninitializedHeight: 8, width: 8, channels: 40)
        let original = map.values.withUnsafeBufferPointer { $0.baseAddress! }
        for channels in [19, 32, 40, 3] {
            map.reshapeUninitialized(height: 8, width: 8, channels: channels)
            #expect(map.channels == channels && map.values.count == 64 * channels)
            #expect(map.values.withUnsafeBufferPointer { $0.baseAddress! } == original, "\(channels) channels moved")
        }
        map.reshapeUninitialized(height: 8, width: 8, channels: 64)
        #expect(map.values.count == 64 * 64 && map.height == 8 && map.width == 8)
    }
}
