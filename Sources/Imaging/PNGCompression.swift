/// How hard the PNG writer works: the zlib level and strategy, and the row filters libpng may pick
/// from. Output is lossless whatever is chosen; only time and size change.
public struct PNGCompression: Sendable, Equatable {
    public enum Strategy: Int32, Sendable {
        case `default` = 0, filtered = 1, huffmanOnly = 2, runLength = 3
    }

    /// PNG's row filters (libpng's `PNG_FILTER_*` bits); with several, libpng picks one per row.
    public struct Filters: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let none = Filters(rawValue: 0x08)
        public static let sub = Filters(rawValue: 0x10)
        public static let up = Filters(rawValue: 0x20)
        public static let average = Filters(rawValue: 0x40)
        public static let paeth = Filters(rawValue: 0x80)
        public static let all: Filters = [.none, .sub, .up, .average, .paeth]
    }

    public var level: Int
    public var strategy: Strategy
    public var filters: Filters

    public init(level: Int, strategy: Strategy, filters: Filters) {
        precondition((0...9).contains(level) && !filters.isEmpty, "invalid PNG compression")
        self.level = level
        self.strategy = strategy
        self.filters = filters
    }

    /// libpng's own defaults: level 6, the filtered strategy, every filter.
    public static let libpngDefault = PNGCompression(level: 6, strategy: .filtered, filters: .all)

    /// What every PNG is written with, chosen by measuring time and size on the service's outputs of
    /// photographs and line art (`Benchmarks/png_cost.py`; the trade is in Benchmarks/README.md): every
    /// row filter with run-length matches writes photographs as small as libpng's defaults in a fifth of
    /// the time or less, line art a fifth larger. zlib's run-length strategy does not vary with the level.
    public static let chosen = PNGCompression(level: 1, strategy: .runLength, filters: .all)
}
