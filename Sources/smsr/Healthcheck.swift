import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `smsr healthcheck`: one HTTP/1.1 GET over a plain socket, for container and orchestrator health
/// checks where no curl is installed. Exit status 0 when the answer is 200, 1 otherwise.
struct Healthcheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Probe a running `smsr serve`: exit 0 when the URL answers 200, 1 otherwise.",
        discussion: """
            Without --url the probe goes to http://127.0.0.1:$SMSR_PORT/healthz (port 8080 when SMSR_PORT \
            is unset), so a container configured by environment variables checks the port it listens on.
            Plain http only; the host may be a name, an IPv4 address or a bracketed IPv6 address.
            """
    )

    @Option(help: "The URL to GET (default: http://127.0.0.1:$SMSR_PORT/healthz).")
    var url: String?

    @Option(help: "Seconds allowed for connecting, sending and reading the status line.")
    var timeout: Double = 3

    @Flag(help: "Print nothing on success.")
    var quiet = false

    func validate() throws {
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
    }

    func run() throws {
        // A bad URL or SMSR_PORT is reported as unhealthy (1), not as a usage error: health checkers
        // read any other status as "unknown".
        let target: HealthcheckTarget
        do {
            target = try url.map { try HealthcheckTarget(url: $0) } ?? HealthcheckTarget.fromEnvironment()
        } catch let error as HealthcheckError {
            FileHandle.standardError.write(Data("unhealthy: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
        do {
            let status = try HealthcheckProbe.status(of: target, timeout: timeout)
            if status == 200 {
                if !quiet { print("healthy: \(target.description) answered 200") }
                return
            }
            FileHandle.standardError.write(Data("unhealthy: \(target.description) answered \(status)\n".utf8))
        } catch let error as HealthcheckError {
            FileHandle.standardError.write(Data("unhealthy: \(target.description): \(error.message)\n".utf8))
        }
        throw ExitCode(1)
    }
}

/// Where a health probe goes: host, port and path of a plain-http URL.
struct HealthcheckTarget: CustomStringConvertible {
    var host: String
    var port: Int
    var path: String

    init(host: String, port: Int, path: String) {
        self.host = host
        self.port = port
        self.path = path
    }

    /// Parses `http://host[:port][/path][?query]`; https and user info are refused.
    init(url text: String) throws {
        let prefix = "http://"
        guard text.lowercased().hasPrefix(prefix) else {
            throw HealthcheckError(message: "--url must start with http:// (got \(text))")
        }
        let rest = text.dropFirst(prefix.count)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = String(rest[..<authorityEnd])
        var path = String(rest[authorityEnd...])
        if let fragment = path.firstIndex(of: "#") { path = String(path[..<fragment]) }
        if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
        guard !authority.isEmpty, !authority.contains("@") else {
            throw HealthcheckError(message: "--url needs a host and no user info (got \(text))")
        }
        var host: String
        var portText: String?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw HealthcheckError(message: "unclosed '[' in --url \(text)") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = String(after.dropFirst()) } else if !after.isEmpty {
                throw HealthcheckError(message: "unexpected text after ']' in --url \(text)")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = String(authority[authority.index(after: colon)...])
        } else {
            host = authority
        }
        var port = 80
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw HealthcheckError(message: "invalid port '\(portText)' in --url \(text)")
            }
            port = value
        }
        guard !host.isEmpty, !path.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) else {
            throw HealthcheckError(message: "invalid --url \(text)")
        }
        self.init(host: host, port: port, path: path)
    }

    /// The liveness endpoint on this machine's loopback, at the port `smsr serve` reads from SMSR_PORT.
    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> HealthcheckTarget {
        var port = 8080
        if let text = environment["SMSR_PORT"], !text.isEmpty {
            guard let value = Int(text), (1...65535).contains(value) else {
                throw HealthcheckError(message: "SMSR_PORT is not a port number: \(text)")
            }
            port = value
        }
        return HealthcheckTarget(host: "127.0.0.1", port: port, path: "/healthz")
    }

    /// The value of the Host header: IPv6 literals go back in brackets.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    var description: String { "http://\(hostHeader)\(path)" }
}

struct HealthcheckError: Error {
    let message: String
}

/// A blocking-free probe: non-blocking socket, `poll` against one deadline for connect, send and read.
enum HealthcheckProbe {
    #if canImport(Glibc) || canImport(Musl)
    private static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
    private static let streamType = SOCK_STREAM
    #endif

    /// Sends `GET path` and returns the status code of the answer's status line.
    static func status(of target: HealthcheckTarget, timeout: Double) throws -> Int {
        let deadline = monotonicSeconds() + timeout
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = streamType
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(target.host, String(target.port), &hints, &list)
        guard rc == 0, list != nil else {
            throw HealthcheckError(message: "cannot resolve \(target.host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }

        var lastError = HealthcheckError(message: "no address for \(target.host)")
        var entry = list
        while let address = entry {
            entry = address.pointee.ai_next
            let fd = socket(address.pointee.ai_family, streamType, 0)
            guard fd >= 0 else { lastError = HealthcheckError(message: "socket: \(errnoText(errno))"); continue }
            defer { close(fd) }
            do {
                try connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen, deadline: deadline)
            } catch let error as HealthcheckError {
                lastError = error
                continue
            }
            return try exchange(fd, target: target, deadline: deadline)
        }
        throw lastError
    }

    private static func connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t, deadline: Double) throws {
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        #if canImport(Darwin)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        if socketConnect(fd, address, length) == 0 { return }
        guard errno == EINPROGRESS || errno == EINTR else { throw HealthcheckError(message: "connect: \(errnoText(errno))") }
        try wait(fd, for: Int16(POLLOUT), until: deadline, doing: "connect")
        var code: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &size)
        guard code == 0 else { throw HealthcheckError(message: "connect: \(errnoText(code))") }
    }

    private static func exchange(_ fd: Int32, target: HealthcheckTarget, deadline: Double) throws -> Int {
        let request = "GET \(target.path) HTTP/1.1\r\nHost: \(target.hostHeader)\r\nUser-Agent: smsr-healthcheck\r\n"
            + "Accept: */*\r\nConnection: close\r\n\r\n"
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, sendFlags) }
            if n > 0 { sent += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                try wait(fd, for: Int16(POLLOUT), until: deadline, doing: "send")
                continue
            }
            throw HealthcheckError(message: "send: \(errnoText(errno))")
        }

        // Only the status line matters: read until its CRLF (or a sane cap), then close.
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while !received.contains(0x0A) && received.count < 8192 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { received.append(contentsOf: buffer[0..<n]); continue }
            if n == 0 { break }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                try wait(fd, for: Int16(POLLIN), until: deadline, doing: "read")
                continue
            }
            throw HealthcheckError(message: "read: \(errnoText(errno))")
        }
        let line = String(decoding: received.prefix { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let code = Int(parts[1]) else {
            throw HealthcheckError(message: received.isEmpty ? "connection closed without an answer" : "not an HTTP answer: \(line.prefix(80))")
        }
        return code
    }

    private static func wait(_ fd: Int32, for events: Int16, until deadline: Double, doing what: String) throws {
        while true {
            let left = deadline - monotonicSeconds()
            guard left > 0 else { throw HealthcheckError(message: "\(what) timed out") }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&entry, 1, Int32(min(left * 1000, Double(Int32.max)).rounded(.up)))
            if rc > 0 { return }
            if rc < 0 && errno != EINTR { throw HealthcheckError(message: "poll: \(errnoText(errno))") }
        }
    }

    #if canImport(Darwin)
    private static let sendFlags: Int32 = 0
    #else
    private static let sendFlags = Int32(MSG_NOSIGNAL)
    #endif

    private static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    private static func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// The C `connect`, under a name that does not clash with `HealthcheckProbe.connect`.
private func socketConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(fd, address, length)
}
