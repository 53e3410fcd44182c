/// The `Server-Timing` header (W3C Server Timing): one `name;dur=ms` metric per stage, so browser
/// developer tools and curl users see where a request's time went.
enum ServerTiming {
    static let header = "Server-Timing"

    static func value(_ stages: [(name: String, ms: Double)], totalMs: Double) -> String {
        (stages + [("total", totalMs)]).map { "\($0.name);dur=\($0.ms.formatted(decimals: 3))" }.joined(separator: ", ")
    }
}
