import Foundation
import TestSupport

/// Runs the real `curl` binary and collects what it printed.
struct Curl {
    struct Result {
        var exitCode: Int32
        var output: String
        var errors: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let r = try Program.run("/usr/bin/curl", ["--silent", "--show-error", "--max-time", "20"] + arguments)
        return Result(exitCode: r.status, output: r.output, errors: r.errors)
    }
}
