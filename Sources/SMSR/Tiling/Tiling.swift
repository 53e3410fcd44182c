import Foundation

/// How a large image is cut into overlapping tiles so that memory stays bounded. Each tile runs the whole
/// network on its core plus `overlap` pixels of context; only the core's output is kept.
///
/// `SMSR_TILE=N` in the environment sets tiles of N pixels for runs that do not choose (`configured`).
///
/// Tiles are not exact: channel attention averages over the tile rather than the whole image, and the
/// context is finite. With the default overlap the difference on Set5 is a few thousandths of a dB
/// (see Benchmarks/README.md).
public struct Tiling: Sendable, Equatable {
    /// The core edge in input pixels, or nil for the largest tiles that fit `memoryBudget` (the whole image
    /// when it fits).
    public var tileSize: Int?
    /// Input pixels of context on each side of a core.
    public var overlap: Int
    /// Bytes one tile's feature maps may take, used when `tileSize` is nil.
    public var memoryBudget: Int

    public init(tileSize: Int? = nil, overlap: Int = 24, memoryBudget: Int = 640 << 20) {
        precondition(tileSize.map { $0 > 0 } ?? true && overlap >= 0 && memoryBudget > 0, "invalid tiling")
        self.tileSize = tileSize
        self.overlap = overlap
        self.memoryBudget = memoryBudget
    }

    /// The whole image when it fits 640 MiB of feature maps, else tiles that do.
    public static let automatic = Tiling()
    /// Never tile.
    public static let wholeImage = Tiling(memoryBudget: .max)

    /// The variable that sets a fixed tile size.
    public static let environmentVariable = "SMSR_TILE"

    /// `SMSR_TILE=N` (N > 0) from the environment if set, else `automatic`.
    public static let configured: Tiling = {
        guard let text = ProcessInfo.processInfo.environment[environmentVariable], let size = Int(text), size > 0 else {
            return .automatic
        }
        return .tiles(size)
    }()

    /// Cores of at most `size` x `size` input pixels.
    public static func tiles(_ size: Int, overlap: Int = 24) -> Tiling { Tiling(tileSize: size, overlap: overlap) }
}
