/// Asked before each tile whether the run should go on; a run that stops there throws `RunStopped` and
/// keeps nothing. A tile is the unit of work that cannot be stopped, so how soon a stop takes effect is one
/// tile's time (an image that fits one tile runs whole).
public struct TileCheckpoint: Sendable {
    /// Told the index of the next tile and how many there are; true to stop.
    public let shouldStop: @Sendable (_ next: Int, _ count: Int) -> Bool

    public init(shouldStop: @escaping @Sendable (_ next: Int, _ count: Int) -> Bool) {
        self.shouldStop = shouldStop
    }

    /// Never stops.
    public static let never = TileCheckpoint { _, _ in false }
}

/// A run stopped at a checkpoint, after `completedTiles` of `tileCount` tiles.
public struct RunStopped: Error, Sendable, Equatable {
    public let completedTiles: Int
    public let tileCount: Int
}
