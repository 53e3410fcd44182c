import Foundation
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the deployment files rely on, run for real on loopback:
/// - `smsr healthcheck` (the image's HEALTHCHECK) against canned servers and against `smsr serve`;
/// - `smsr serve` started exactly as the Dockerfile starts it (its ENV, ENTRYPOINT and CMD, in an empty
///   working directory), answering an upscale, healthy by the Dockerfile's HEALTHCHECK command, and
///   exiting 0 on SIGTERM;
/// - a real Prometheus server with Deploy/compose/prometheus.yml (target moved to loopback, 1 s scrapes)
///   scraping that service until `smsr_flops_executed_total > 0` holds.
///
/// SMSR_EXECUTABLE, when set, names the binary to test instead of the one built with the tests;
/// scripts/check-deploy.sh points it at the release build copied alone into an empty folder.
final class DeploymentTests: XCTestCase {
    static let executable: URL = {
        if let path = ProcessInfo.processInfo.environment["SMSR_EXECUTABLE"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return CommandRunner.executable
    }()

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let sampleImage = CommandRunner.shared.appendingPathComponent("reference/crop_baby_64x64_lr.png")

    // MARK: smsr healthcheck against canned answers

    func testHealthcheckExitsZeroWhenTheURLAnswers200() throws {
        let server = try CannedServer(answer: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        defer { server.stop() }
        let outcome = try run(["healthcheck", "--url", "http://127.0.0.1:\(server.port)/healthz"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stdout.contains("answered 200"), outcome.stdout)
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertTrue(request.hasPrefix("GET /healthz HTTP/1.1\r\n"), request)
        XCTAssertTrue(request.contains("\r\nHost: 127.0.0.1:\(server.port)\r\n"), request)
    }

    func testHealthcheckExitsOneOnAnyOtherStatus() throws {
        for status in ["503 Service Unavailable", "404 Not Found", "301 Moved Permanently"] {
            let server = try CannedServer(answer: "HTTP/1.1 \(status)\r\nContent-Length: 0\r\n\r\n")
            defer { server.stop() }
            let outcome = try run(["healthcheck", "--url", "http://127.0.0.1:\(server.port)/readyz"])
            XCTAssertEqual(outcome.status, 1, status)
            XCTAssertTrue(outcome.stderr.contains("answered \(status.prefix(3))"), outcome.stderr)
        }
    }

    func testHealthcheckExitsOneWhenNothingListens() throws {
        let port = try freeLoopbackPort()
        let outcome = try run(["healthcheck", "--url", "http://127.0.0.1:\(port)/healthz"])
        XCTAssertEqual(outcome.status, 1)
        XCTAssertTrue(outcome.stderr.contains("unhealthy"), outcome.stderr)
    }

    func testHealthcheckGivesUpAtItsTimeoutWhenNoAnswerComes() throws {
        let server = try CannedServer(answer: nil)
        defer { server.stop() }
        let start = Date()
        let outcome = try run(["healthcheck", "--timeout", "0.5", "--url", "http://127.0.0.1:\(server.port)/healthz"])
        XCTAssertEqual(outcome.status, 1)
        XCTAssertTrue(outcome.stderr.contains("timed out"), outcome.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    func testHealthcheckWithoutURLProbesHealthzOnSMSRPort() throws {
        let server = try CannedServer(answer: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        defer { server.stop() }
        let outcome = try run(["healthcheck", "--quiet"], environment: ["SMSR_PORT": String(server.port)])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertEqual(outcome.stdout, "")
        XCTAssertTrue(server.requests.first?.hasPrefix("GET /healthz HTTP/1.1\r\n") == true)
    }

    func testHealthcheckTreatsAnUnusableURLAsUnhealthy() throws {
        for url in ["https://127.0.0.1/healthz", "http://127.0.0.1:99999/", "http://[::1/", "127.0.0.1:8080"] {
            let outcome = try run(["healthcheck", "--url", url])
            XCTAssertEqual(outcome.status, 1, url)
        }
        XCTAssertEqual(try run(["healthcheck"], environment: ["SMSR_PORT": "http"]).status, 1)
    }

    // MARK: smsr serve as the image runs it

    func testServeStartedAsTheDockerfileDoesAnswersAndStopsCleanly() throws {
        let dockerfile = try DockerfileRuntime(contentsOf: Self.repositoryRoot.appendingPathComponent("Dockerfile"))
        XCTAssertEqual(dockerfile.environment["SMSR_PORT"], dockerfile.exposedPorts.first, "EXPOSE and SMSR_PORT disagree")
        XCTAssertEqual(dockerfile.environment["SMSR_HOST"], "0.0.0.0", "the container must listen on every interface")
        XCTAssertEqual(dockerfile.entrypoint.first, "/usr/local/bin/smsr")
        XCTAssertEqual(dockerfile.healthcheck.first, "/usr/local/bin/smsr")
        XCTAssertNotEqual(dockerfile.user.split(separator: ":").first, "0")

        // As in the image, but on loopback and a free port of this machine.
        let port = try freeLoopbackPort()
        var environment = dockerfile.environment
        environment["SMSR_HOST"] = "127.0.0.1"
        environment["SMSR_PORT"] = String(port)
        environment.merge(try modelEnvironment()) { $1 }
        let service = try ServiceProcess(arguments: Array((dockerfile.entrypoint + dockerfile.cmd).dropFirst()),
                                         environment: environment)
        defer { service.stop() }

        // The HEALTHCHECK command, with the container's environment: unhealthy, then healthy once up.
        let healthcheck = Array(dockerfile.healthcheck.dropFirst())
        try service.waitUntilReady(port: port, timeout: 120)
        XCTAssertEqual(try run(healthcheck, environment: environment).status, 0)

        let upscale = try curl(["-o", service.directory.appendingPathComponent("out.png").path, "-D", "-",
                                "-H", "Content-Type: image/png", "--data-binary", "@\(Self.sampleImage.path)",
                                "http://127.0.0.1:\(port)/v1/upscale"])
        XCTAssertTrue(upscale.hasPrefix("HTTP/1.1 200"), upscale)
        let output = try Data(contentsOf: service.directory.appendingPathComponent("out.png"))
        XCTAssertEqual(Array(output.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertEqual(pngSize(output).map { [$0.width, $0.height] }, [128, 128])

        XCTAssertEqual(service.terminate(), 0, "SIGTERM must drain and exit 0; log:\n\(service.log)")
        XCTAssertEqual(try run(healthcheck, environment: environment).status, 1)
    }

    // MARK: a real Prometheus scraping smsr serve

    func testPrometheusScrapesFLOPsExecutedFromServe() throws {
        guard let prometheus = Self.findOnPath("prometheus") else {
            let message = "the Prometheus server is not installed (scripts/install-deps.sh installs Debian's prometheus)"
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail(message); return }
            throw XCTSkip(message)
        }

        let servicePort = try freeLoopbackPort()
        var environment = ["SMSR_HOST": "127.0.0.1", "SMSR_PORT": String(servicePort), "SMSR_WORKERS": "2"]
        environment.merge(try modelEnvironment()) { $1 }
        let service = try ServiceProcess(arguments: ["serve"], environment: environment)
        defer { service.stop() }
        try service.waitUntilReady(port: servicePort, timeout: 120)

        // The compose setup's config, pointed at the loopback service and scraping every second.
        let shipped = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("Deploy/compose/prometheus.yml"),
                                 encoding: .utf8)
        var config = shipped.replacingOccurrences(of: "\"smsr:8080\"", with: "\"127.0.0.1:\(servicePort)\"")
        XCTAssertNotEqual(config, shipped, "prometheus.yml no longer names the target smsr:8080")
        config = config.replacingOccurrences(of: #"scrape_interval: *\S+"#, with: "scrape_interval: 1s", options: .regularExpression)
        config = config.replacingOccurrences(of: #"scrape_timeout: *\S+"#, with: "scrape_timeout: 1s", options: .regularExpression)
        let configFile = service.directory.appendingPathComponent("prometheus.yml")
        try config.write(to: configFile, atomically: true, encoding: .utf8)

        let prometheusPort = try freeLoopbackPort()
        let server = try ChildProcess(
            executable: prometheus,
            arguments: ["--config.file=\(configFile.path)",
                        "--storage.tsdb.path=\(service.directory.appendingPathComponent("tsdb").path)",
                        "--web.listen-address=127.0.0.1:\(prometheusPort)", "--log.level=warn"],
            environment: [:], directory: service.directory, logName: "prometheus.log")
        defer { server.stop() }
        let base = "http://127.0.0.1:\(prometheusPort)"
        let ready = try poll("Prometheus to be ready", timeout: 60) { () -> Bool? in
            guard server.isRunning else { throw Failure("Prometheus exited; log:\n\(server.log)") }
            return (try? curl(["-f", "\(base)/-/ready"])) != nil ? true : nil
        }
        guard ready == true else { return }

        // A few upscales; the service reports the multiply-accumulates each one executed.
        var executed: UInt64 = 0
        for _ in 0..<3 {
            let head = try curl(["-o", "/dev/null", "-D", "-", "-H", "Content-Type: image/png",
                                 "--data-binary", "@\(Self.sampleImage.path)", "http://127.0.0.1:\(servicePort)/v1/upscale"])
            XCTAssertTrue(head.hasPrefix("HTTP/1.1 200"), head)
            let line = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("smsr-flops-executed:") }
            executed += try XCTUnwrap(line.flatMap { UInt64($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) })
        }
        XCTAssertGreaterThan(executed, 0)

        // Prometheus' query API, polled until its scrapes have seen all three.
        let query = "smsr_flops_executed_total > 0"
        let value = poll("Prometheus to report \(query) >= \(executed)", timeout: 60) { () -> Double? in
            guard let body = try? curl(["-f", "--get", "--data-urlencode", "query=\(query)", "\(base)/api/v1/query"]),
                  let value = Self.firstSampleValue(body), value >= Double(executed) else { return nil }
            return value
        }
        XCTAssertNotNil(value, "Prometheus log:\n\(server.log)\nservice log:\n\(service.log)")
        let targets = try curl(["-f", "\(base)/api/v1/targets"])
        XCTAssertTrue(targets.contains("\"job\":\"smsr-serve\""), targets)
        XCTAssertTrue(targets.contains("\"health\":\"up\""), targets)

        XCTAssertEqual(service.terminate(), 0, service.log)
    }

    // MARK: helpers

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The model `smsr serve` should load: none (the embedded default) when the binary carries one,
    /// else the official x2 weights from shared/ through SMSR_MODEL.
    func modelEnvironment() throws -> [String: String] {
        let info = try run(["info"])
        XCTAssertEqual(info.status, 0, info.stderr)
        if info.stdout.contains("(default)") { return [:] }
        return ["SMSR_MODEL": CommandRunner.officialModel]
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandRunner.Outcome {
        try CommandRunner.run(arguments, environment: environment, base: Self.baseEnvironment, binary: Self.executable)
    }

    /// The test's environment without SMSR_* settings, so that only what a test sets reaches the binary.
    static let baseEnvironment: [String: String] = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SMSR_") }

    /// Runs curl (installed by scripts/install-deps.sh) and returns what it printed; throws on failure.
    func curl(_ arguments: [String]) throws -> String {
        let run = try Program.run("/usr/bin/curl", ["--silent", "--show-error", "--max-time", "60", "--noproxy", "*"] + arguments)
        guard run.status == 0 else { throw Failure("curl \(arguments.joined(separator: " ")): \(run.errors)") }
        return run.output
    }

    /// Calls `probe` every 200 ms until it returns a value or `timeout` seconds pass (then nil).
    func poll<T>(_ what: String, timeout: Double, _ probe: () throws -> T?) rethrows -> T? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let value = try probe() { return value }
            if Date() > deadline {
                XCTFail("gave up after \(timeout) s waiting for \(what)")
                return nil
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// The first sample's value in a Prometheus instant-query answer.
    static func firstSampleValue(_ body: String) -> Double? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              object["status"] as? String == "success",
              let data = object["data"] as? [String: Any],
              let result = data["result"] as? [[String: Any]],
              let pair = result.first?["value"] as? [Any], pair.count == 2,
              let text = pair[1] as? String else { return nil }
        return Double(text)
    }

    static func findOnPath(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin"] {
            let candidate = URL(fileURLWithPath: folder).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data.prefix(24))
        guard bytes.count == 24 else { return nil }
        func be(_ offset: Int) -> Int { bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }
}

// MARK: - processes

/// A child process whose output goes to a log file, stopped with SIGTERM and, if need be, SIGKILL.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let logFile: URL

    init(executable: URL, arguments: [String], environment: [String: String], directory: URL, logName: String) throws {
        logFile = directory.appendingPathComponent(logName)
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        process.executableURL = executable
        process.arguments = arguments
        process.environment = DeploymentTests.baseEnvironment.merging(environment) { $1 }
        process.currentDirectoryURL = directory
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? handle.close()
    }

    var isRunning: Bool { process.isRunning }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Sends SIGTERM and waits up to `timeout` seconds; returns the exit status, or nil if it had to be killed.
    @discardableResult
    func terminate(timeout: Double = 45) -> Int32? {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }

    func stop() { if process.isRunning { terminate(timeout: 10) } }
}

/// `smsr serve` started from an empty working directory, as in the image (nothing beside the binary).
final class ServiceProcess: @unchecked Sendable {
    let directory: URL
    let child: ChildProcess

    init(arguments: [String], environment: [String: String]) throws {
        directory = try CommandRunner.temporaryDirectory()
        child = try ChildProcess(executable: DeploymentTests.executable, arguments: arguments, environment: environment,
                                 directory: directory, logName: "serve.log")
    }

    var log: String { child.log }

    /// Polls /readyz with `smsr healthcheck` until it answers 200.
    func waitUntilReady(port: Int, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard child.isRunning else { throw DeploymentTests.Failure("smsr serve exited; log:\n\(log)") }
            let probe = Process()
            probe.executableURL = DeploymentTests.executable
            probe.arguments = ["healthcheck", "--quiet", "--timeout", "2", "--url", "http://127.0.0.1:\(port)/readyz"]
            probe.standardOutput = FileHandle.nullDevice
            probe.standardError = FileHandle.nullDevice
            try probe.run()
            probe.waitUntilExit()
            if probe.terminationStatus == 0 { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw DeploymentTests.Failure("smsr serve not ready after \(timeout) s; log:\n\(log)")
    }

    func terminate() -> Int32? { child.terminate() }

    func stop() {
        child.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

// MARK: - the Dockerfile's runtime stage

/// The parts of the Dockerfile's last stage that decide how the container runs the service.
struct DockerfileRuntime {
    var environment: [String: String] = [:]
    var exposedPorts: [String] = []
    var user = ""
    var entrypoint: [String] = []
    var cmd: [String] = []
    var healthcheck: [String] = []

    init(contentsOf url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        // Join continuation lines, drop comments, keep the instructions after the last FROM.
        var instructions: [String] = []
        var pending = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty && (line.isEmpty || line.hasPrefix("#")) { continue }
            if line.hasPrefix("#") { continue }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
            } else {
                instructions.append(pending + line)
                pending = ""
            }
        }
        guard let lastFrom = instructions.lastIndex(where: { $0.uppercased().hasPrefix("FROM ") }) else {
            throw DeploymentTests.Failure("no FROM in the Dockerfile")
        }
        for instruction in instructions[(lastFrom + 1)...] {
            let parts = instruction.split(separator: " ", maxSplits: 1)
            let keyword = parts[0].uppercased()
            let argument = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
            switch keyword {
            case "ENV":
                for pair in argument.split(separator: " ", omittingEmptySubsequences: true) {
                    let kv = pair.split(separator: "=", maxSplits: 1)
                    guard kv.count == 2 else { throw DeploymentTests.Failure("ENV needs KEY=VALUE pairs: \(instruction)") }
                    environment[String(kv[0])] = String(kv[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
            case "EXPOSE":
                exposedPorts += argument.split(separator: " ").map { String($0.split(separator: "/")[0]) }
            case "USER":
                user = argument
            case "ENTRYPOINT":
                entrypoint = try Self.execForm(argument, instruction)
            case "CMD":
                cmd = try Self.execForm(argument, instruction)
            case "HEALTHCHECK":
                guard let range = argument.range(of: "CMD ") else { throw DeploymentTests.Failure("HEALTHCHECK without CMD") }
                healthcheck = try Self.execForm(String(argument[range.upperBound...]), instruction)
            default:
                break
            }
        }
    }

    static func execForm(_ text: String, _ instruction: String) throws -> [String] {
        guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String] else {
            throw DeploymentTests.Failure("not in exec (JSON array) form: \(instruction)")
        }
        return array
    }
}

// MARK: - sockets

/// The number of a loopback port that was free a moment ago.
func freeLoopbackPort() throws -> Int {
    let server = try CannedServer(answer: nil, listen: false)
    defer { server.stop() }
    return server.port
}

/// A loopback listener that answers every request with a fixed text (or, with nil, never answers),
/// recording the request heads it received.
final class CannedServer: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let answer: String?
    private let lock = NSLock()
    private var received: [String] = []
    private var stopped = false
    private var held: [Int32] = []
    private var accepting = false

    init(answer: String?, listen shouldListen: Bool = true) throws {
        self.answer = answer
        #if canImport(Glibc)
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let sock = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard sock >= 0 else { throw DeploymentTests.Failure("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { close(sock); throw DeploymentTests.Failure("bind: \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &length) }
        }
        fd = sock
        port = Int(UInt16(bigEndian: address.sin_port))
        guard shouldListen else { return }
        guard listen(sock, 16) == 0 else { close(sock); throw DeploymentTests.Failure("listen: \(errno)") }
        accepting = true
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var requests: [String] { lock.withLock { received } }

    /// The accept loop owns the descriptor once it runs: stop() only shuts it down (which fails the
    /// blocked accept), so the number is never closed while accept() might still be called with it.
    private func serve() {
        defer { close(fd) }
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            var head: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            while !head.ends(with: [0x0D, 0x0A, 0x0D, 0x0A]) && head.count < 65536 {
                let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                head.append(contentsOf: buffer[0..<n])
            }
            lock.withLock { received.append(String(decoding: head, as: UTF8.self)) }
            if let answer {
                let bytes = Array(answer.utf8)
                _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, 0) }
                close(client)
            } else {
                // Never answered; closed by stop(), or here when stop() has already run.
                let keep = lock.withLock { () -> Bool in
                    if !stopped { held.append(client) }
                    return !stopped
                }
                if !keep { close(client) }
            }
        }
    }

    func stop() {
        let clients: [Int32]? = lock.withLock {
            guard !stopped else { return nil }
            stopped = true
            return held
        }
        guard let clients else { return }  // a second stop() must not close anything again
        for client in clients { close(client) }
        shutdown(fd, Int32(SHUT_RDWR))
        if !accepting { close(fd) }
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
