import HTTPServer

extension UpscaleReport {
    /// The report as response headers: multiply-accumulates (`SMSR-FLOPs-Dense`, `-Executed`, `-Saved`
    /// to 4 decimals), scale and sizes, and `Server-Timing` (W3C Server Timing: one `name;dur=ms` metric
    /// per stage, then `total`), so browser developer tools and curl users see where the time went.
    var headers: HTTPHeaders {
        [
            "SMSR-FLOPs-Dense": String(work.dense),
            "SMSR-FLOPs-Executed": String(work.executed),
            "SMSR-FLOPs-Saved": flopsSaved.formatted(decimals: 4),
            "SMSR-Scale": String(scale),
            "SMSR-Input-Size": input.text,
            "SMSR-Output-Size": output.text,
            "Server-Timing": (laps + [.init(name: "total", milliseconds: totalMilliseconds)])
                .map { "\($0.name);dur=\($0.milliseconds.formatted(decimals: 3))" }.joined(separator: ", "),
        ]
    }
}
