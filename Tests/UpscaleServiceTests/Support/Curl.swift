import Foundation

/// The real `curl`, run as a client would run it: status, headers and body come from its own files.
struct Curl {
    struct Reply {
        let status: Int
        /// The last header block (after any `100 Continue`), names lowercased.
        let headers: [String: String]
        let body: [UInt8]
        /// `curl -v` output: what it sent and received, connection reuse.
        let verbose: String
        let exitCode: Int32

        var text: String { String(decoding: body, as: UTF8.self) }

        /// The body as a JSON object.
        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                throw CocoaError(.coderReadCorrupt)
            }
            return object
        }
    }

    /// A curl still running, for requests that must be in flight while the test does something else.
    final class Running: @unchecked Sendable {
        let process: Process
        private let directory: URL
        private let stderr: Pipe

        init(process: Process, directory: URL, stderr: Pipe) {
            self.process = process
            self.directory = directory
            self.stderr = stderr
        }

        /// Waits for curl to exit and reads what it wrote.
        func finish() -> Reply {
            let verbose = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            defer { try? FileManager.default.removeItem(at: directory) }
            let status = Int((try? String(contentsOf: directory.appendingPathComponent("status"), encoding: .utf8)) ?? "") ?? 0
            let headerText = (try? String(contentsOf: directory.appendingPathComponent("headers"), encoding: .isoLatin1)) ?? ""
            let body = (try? Data(contentsOf: directory.appendingPathComponent("body"))).map { [UInt8]($0) } ?? []
            return Reply(status: status, headers: Curl.lastHeaderBlock(headerText), body: body, verbose: verbose,
                         exitCode: process.terminationStatus)
        }
    }

    /// Starts `curl` with `arguments` (URL included) and returns at once.
    static func start(_ arguments: [String], stdin: Pipe? = nil) throws -> Running {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smsr-curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-sS", "-v", "--max-time", "60",
                             "-D", directory.appendingPathComponent("headers").path,
                             "-o", directory.appendingPathComponent("body").path,
                             "-w", "%{http_code}"] + arguments
        process.standardOutput = try Self.statusFile(directory)
        let stderr = Pipe()
        process.standardError = stderr
        if let stdin { process.standardInput = stdin }
        try process.run()
        return Running(process: process, directory: directory, stderr: stderr)
    }

    static func run(_ arguments: [String]) throws -> Reply {
        try start(arguments).finish()
    }

    private static func statusFile(_ directory: URL) throws -> FileHandle {
        let url = directory.appendingPathComponent("status")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        return try FileHandle(forWritingTo: url)
    }

    static func lastHeaderBlock(_ text: String) -> [String: String] {
        let blocks = text.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }
        var headers: [String: String] = [:]
        for line in (blocks.last ?? "").components(separatedBy: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return headers
    }
}
