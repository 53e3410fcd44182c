import Foundation
import Testing
@testable import SMSR

/// Tile plans cost what the image's pixels cost, whatever its shape, and a checkpoint can stop a tiled run
/// between tiles.
@Suite struct TilePlanTests {
    static func plan(_ h: Int, _ w: Int, _ tiling: Tiling = .automatic) -> TilePlan {
        TilePlan(height: h, width: w, channels: 64, scale: 2, tiling: tiling)
    }

    static let budgetPixels = Tiling.automatic.memoryBudget / TilePlan.bytesPerPixel(channels: 64, scale: 2)

    @Test func narrowImagesRunInTallBandsUnderTheBudget() {
        for (h, w) in [(3_000_000, 1), (4_000_000, 1), (100_000, 40), (2_000_000, 2)] {
            let plan = Self.plan(h, w)
            // A band holds close to the budget's pixels, so a few bands cover the image.
            #expect(plan.layout.tileCount <= h * w / (Self.budgetPixels / 2) + 1, "\(h)x\(w): \(plan.layout.tileCount) tiles")
            #expect(plan.layout.columns.count == 1 && plan.overhead < 1.01, "\(h)x\(w): overhead \(plan.overhead)")
            for tile in plan.tiles { #expect(tile.padded.height * tile.padded.width <= Self.budgetPixels) }
        }
    }

    @Test func shortWideImagesKeepRowsOfATilesEdge() {
        let square = Self.plan(2000, 2000)
        let edge = square.layout.columns[0].core.count
        for (h, w) in [(1, 3_000_000), (2, 2_000_000), (40, 100_000)] {
            let plan = Self.plan(h, w)
            #expect(plan.layout.rows.count == 1 && plan.layout.columns.allSatisfy { $0.core.count <= edge })
            #expect(plan.overhead < 1.1, "\(h)x\(w): overhead \(plan.overhead)")
        }
        // Square images keep square tiles and their overhead.
        #expect(square.layout.tileCount > 1 && square.overhead < 1.25, "\(square.overhead)")
        for tile in square.tiles { #expect(tile.padded.height * tile.padded.width <= Self.budgetPixels) }
        #expect(Self.plan(360, 640).layout.tileCount == 1 && Self.plan(360, 640).overhead == 1)
    }

    @Test func fixedTilesStretchToTheSameArea() {
        // 64-pixel tiles: 4,096 core pixels each, so a 1-pixel-wide image runs in bands of 4,096 rows.
        let narrow = Self.plan(100_000, 1, .tiles(64))
        #expect(narrow.layout.tileCount == 25 && narrow.overhead < 1.02, "\(narrow.layout.tileCount) tiles, \(narrow.overhead)")
        // 16-pixel tiles on a 1-pixel-high image: rows of 256 pixels, not 16.
        let wide = Self.plan(1, 20_000, .tiles(16))
        #expect(wide.layout.columns.allSatisfy { $0.core.count <= 256 } && wide.layout.tileCount == 79 && wide.overhead < 1.2,
                "\(wide.layout.tileCount) tiles, \(wide.overhead)")
        let square = Self.plan(256, 256, .tiles(64))
        #expect(square.layout.tileCount == 16)
    }

    @Test func stripsPartitionTheImageOnEvenBoundaries() {
        for (h, w, tiling) in [(5, 3000, Tiling.tiles(16, overlap: 8)), (2001, 3, .tiles(10)), (1, 999, .tiles(4)),
                               (300_001, 1, .automatic)] {
            let plan = Self.plan(h, w, tiling)
            var covered = [UInt8](repeating: 0, count: h * w)
            for tile in plan.tiles {
                for y in tile.core.y { for x in tile.core.x { covered[y * w + x] += 1 } }
                #expect(tile.core.y.lowerBound % 2 == 0 && tile.core.x.lowerBound % 2 == 0)
                #expect(tile.padded.y.lowerBound % 2 == 0 && tile.padded.x.lowerBound % 2 == 0)
                #expect(tile.padded.y.upperBound == h || tile.padded.y.upperBound % 2 == 0)
                #expect(tile.padded.x.upperBound == w || tile.padded.x.upperBound % 2 == 0)
            }
            #expect(covered.allSatisfy { $0 == 1 }, "\(h)x\(w)")
        }
    }

    @Test func theNetworkReportsThePlansWork() {
        let work = SharedData.officialNetwork.tiledWork(height: 64, width: 64, tiling: .tiles(16))
        // Per axis: cores of 16 padded to 40, 56, 56, 40 pixels (24 of context, cut at the edges).
        #expect(work.tileCount == 16 && work.paddedPixels == 192 * 192 && work.overhead == 9)
        #expect(SharedData.officialNetwork.tiledWork(height: 64, width: 64, tiling: .automatic) ==
                TiledWork(tileCount: 1, paddedPixels: 4096, overhead: 1))
    }

    @Test func aCheckpointStopsATiledRunBetweenTiles() throws {
        let input = try FastNetworkTests.crop()
        let options = InferenceOptions(threads: 2, tiling: .tiles(32))
        let asked = Asked()
        let error = #expect(throws: RunStopped.self) {
            try SharedData.officialNetwork.run(planarRGB: input, height: 64, width: 64, options: options,
                                               checkpoint: TileCheckpoint { next, count in asked.add(next, count); return next == 2 })
        }
        #expect(error == RunStopped(completedTiles: 2, tileCount: 4))
        #expect(asked.all == [[0, 4], [1, 4], [2, 4]], "asked before each tile, never after the stop")
        // A checkpoint that never stops changes nothing.
        let plain = SharedData.officialNetwork.run(planarRGB: input, height: 64, width: 64, options: options)
        let checked = try SharedData.officialNetwork.run(planarRGB: input, height: 64, width: 64, options: options, checkpoint: .never)
        #expect(plain.planarRGB == checked.planarRGB)
        // An image of one tile is asked once, before it runs.
        #expect(throws: RunStopped(completedTiles: 0, tileCount: 1)) {
            try SharedData.officialNetwork.run(planarRGB: input, height: 64, width: 64, options: InferenceOptions(threads: 2),
                                               checkpoint: TileCheckpoint { _, _ in true })
        }
    }
}

private final class Asked: @unchecked Sendable {
    private var calls: [[Int]] = []
    private let lock = NSLock()
    func add(_ next: Int, _ count: Int) { lock.withLock { calls.append([next, count]) } }
    var all: [[Int]] { lock.withLock { calls } }
}
