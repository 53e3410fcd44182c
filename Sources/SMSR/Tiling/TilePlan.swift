/// The tiles of one image: cores that partition it, each padded with context. Every boundary that is not
/// the image's own edge falls on an even coordinate, so a tile's mask generator pools the same 2x2 cells as
/// the whole image's would.
///
/// Tiles are as large as the budget allows in area, not in edge: where the image's width fits across one tile,
/// the tiles are bands of whole rows, as tall as the area allows. An image 1 pixel wide and 3,000,000 tall then
/// runs in a handful of tiles rather than thousands, and its context is a sliver of each. Rows stay at most a
/// square tile's edge (or 512 pixels) long: the network runs row by row, and rows much longer than that ran
/// slower per pixel (rows of 338,000 pixels took about twice as long as rows of 533 on a 3,000,000 x 1 image),
/// so a short, wide image keeps tiles of that width, as tall as the image.
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

    /// The cores' and padded regions' extents along each axis: the tiles are every pair of a row span and a
    /// column span, so the plan's cost is known without listing them.
    struct Layout: Sendable, Equatable {
        let rows: [(core: Range<Int>, padded: Range<Int>)]
        let columns: [(core: Range<Int>, padded: Range<Int>)]

        static func == (a: Layout, b: Layout) -> Bool {
            a.rows.elementsEqual(b.rows, by: ==) && a.columns.elementsEqual(b.columns, by: ==)
        }

        var tileCount: Int { rows.count * columns.count }
        /// Pixels the network runs on, context included.
        var paddedPixels: Int { rows.reduce(0) { $0 + $1.padded.count } * columns.reduce(0) { $0 + $1.padded.count } }
    }

    let height: Int
    let width: Int
    let layout: Layout

    /// Every tile, rows of tiles top to bottom. Listed on demand: a plan may be asked only for its cost.
    var tiles: [Tile] {
        layout.rows.flatMap { row in
            layout.columns.map { column in
                Tile(core: Region(y: row.core, x: column.core), padded: Region(y: row.padded, x: column.padded))
            }
        }
    }

    /// Tiles are stretched along a row up to this many pixels at most (or a square tile's edge).
    static let longestRow = 512

    /// The live feature maps of a run, per input pixel: about seven 64-channel maps (head output, block
    /// input and output, the SMB's layer input, output and accumulator, the collect accumulator), plus the
    /// output planes, bicubic skip and tail at `scale` squared.
    static func bytesPerPixel(channels: Int, scale: Int) -> Int { 7 * channels * 4 + 4 * 3 * scale * scale * 4 }

    init(height: Int, width: Int, channels: Int, scale: Int, tiling: Tiling) {
        precondition(height > 0 && width > 0, "an image has pixels")
        self.height = height
        self.width = width
        let overlap = (tiling.overlap + 1) / 2 * 2
        // The core edge of a square tile, and the most pixels a tile may hold: its core (a fixed tile size) or
        // its padded region (the memory budget).
        let edge: Int
        let area: Int
        let areaIsPadded: Bool
        if let size = tiling.tileSize {
            edge = max(2, size / 2 * 2)
            (area, areaIsPadded) = (edge * edge, false)
        } else {
            let budgetPixels = tiling.memoryBudget / Self.bytesPerPixel(channels: channels, scale: scale)
            if height <= budgetPixels / width {
                edge = max(height, width)
            } else {
                let side = Int(Double(budgetPixels).squareRoot()) - 2 * overlap
                edge = max(32, side / 2 * 2)
            }
            (area, areaIsPadded) = (max(budgetPixels, edge * edge), true)
        }
        func spans(_ n: Int, _ length: Int) -> [(core: Range<Int>, padded: Range<Int>)] {
            guard length < n else { return [(0..<n, 0..<n)] }
            return stride(from: 0, to: n, by: length).map { start in
                let end = min(n, start + length)
                return (start..<end, max(0, start - overlap)..<min(n, end + overlap))
            }
        }
        // A width that one tile spans: bands of whole rows, as tall as the area allows. A height that one tile
        // spans: columns as wide as the area allows, but no wider than rows run well.
        func stretched(across side: Int, longest: Int) -> Int {
            guard side <= edge else { return edge }
            let fits = areaIsPadded ? area / side - 2 * overlap : area / side
            return max(edge, min(longest, fits) / 2 * 2)
        }
        let rowHeight = stretched(across: width, longest: .max)
        let columnWidth = width <= edge ? edge : stretched(across: height, longest: max(edge, Self.longestRow))
        layout = Layout(rows: spans(height, rowHeight), columns: spans(width, columnWidth))
    }

    /// How many times the pixels of the image the network runs on, context counted: 1 for one tile, and
    /// at most about 1.2 under the default budget whatever the image's shape.
    var overhead: Double { Double(layout.paddedPixels) / Double(height * width) }
}
