/// The tiles of one image: cores that partition it, each padded with context. Every boundary that is not
/// the image's own edge falls on an even coordinate, so a tile's mask generator pools the same 2x2 cells as
/// the whole image's would.
struct TilePlan: Sendable {
    struct Region: Sendable, Equatable {
        var y: Range<Int>
        var x: Range<Int>
        var height: Int { y.count }
        var width: Int { x.count }
    }

    struct Tile: Sendable {
        let core: Region
        let padded: Region
    }

    let height: Int
    let width: Int
    let tiles: [Tile]

    /// The live feature maps of a run, per input pixel: about seven 64-channel maps (head output, block
    /// input and output, the SMB's layer input, output and accumulator, the collect accumulator), plus the
    /// output planes, bicubic skip and tail at `scale` squared.
    static func bytesPerPixel(channels: Int, scale: Int) -> Int { 7 * channels * 4 + 4 * 3 * scale * scale * 4 }

    init(height: Int, width: Int, channels: Int, scale: Int, tiling: Tiling) {
        self.height = height
        self.width = width
        let overlap = (tiling.overlap + 1) / 2 * 2
        let edge: Int
        if let size = tiling.tileSize {
            edge = max(2, size / 2 * 2)
        } else {
            let budgetPixels = tiling.memoryBudget / Self.bytesPerPixel(channels: channels, scale: scale)
            if height * width <= budgetPixels {
                edge = max(height, width)
            } else {
                let side = Int(Double(budgetPixels).squareRoot()) - 2 * overlap
                edge = max(32, side / 2 * 2)
            }
        }
        func spans(_ n: Int) -> [Range<Int>] {
            guard edge < n else { return [0..<n] }
            return stride(from: 0, to: n, by: edge).map { $0..<min(n, $0 + edge) }
        }
        var tiles: [Tile] = []
        for ys in spans(height) {
            for xs in spans(width) {
                let padded = Region(y: max(0, ys.lowerBound - overlap)..<min(height, ys.upperBound + overlap),
                                    x: max(0, xs.lowerBound - overlap)..<min(width, xs.upperBound + overlap))
                tiles.append(Tile(core: Region(y: ys, x: xs), padded: padded))
            }
        }
        self.tiles = tiles
    }
}
