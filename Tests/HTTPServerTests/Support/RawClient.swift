import Foundation
import TestSupport

/// A blocking TCP client for writing exact bytes and reading exact responses. Every read waits on
/// the socket with a receive timeout, so a missing response fails the test instead of hanging it.
final class RawClient {
    enum Failure: Error, CustomStringConvertible {
        case connect(Int32)
        case timedOut(received: String)
        case closed(received: String)
        case malformed(String)
        var description: String {
            switch self {
            case .connect(let e): "connect failed: errno \(e)"
            case .timedOut(let r): "timed out; received so far: \(r.debugDescription)"
            case .closed(let r): "connection closed; received so far: \(r.debugDescription)"
            case .malformed(let s): "malformed response: \(s)"
            }
        }
    }

    struct Reply {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]
        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    private let connection: LoopbackConnection
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`. `receiveBuffer` shrinks SO_RCVBUF (for clients that stall).
    init(port: Int, timeout: Double = 5, receiveBuffer: Int32? = nil) throws {
        do {
            connection = try LoopbackConnection(port: port, timeout: timeout, receiveBuffer: receiveBuffer)
        } catch let failure as LoopbackConnection.ConnectFailure {
            throw Failure.connect(failure.errno)
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        if !connection.send(bytes) { throw Failure.closed(received: "(while sending)") }
    }

    /// Reads more bytes into the buffer; false at end of stream.
    private func fill() throws -> Bool {
        switch connection.receive() {
        case .bytes(let more):
            buffer.append(contentsOf: more)
            return true
        case .closed:
            return false
        case .failed:
            throw Failure.timedOut(received: String(decoding: buffer, as: UTF8.self))
        }
    }

    /// Reads one response (a `100 Continue` counts as one). `head: true` reads no body.
    func readResponse(head: Bool = false) throws -> Reply {
        var end: Int?
        while true {
            if let r = find([13, 10, 13, 10]) {
                end = r
                break
            }
            if try !fill() { throw Failure.closed(received: String(decoding: buffer, as: UTF8.self)) }
        }
        guard let headEnd = end else { throw Failure.malformed("no head") }
        let headText = String(decoding: buffer[0..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, statusLine[0] == "HTTP/1.1", let status = Int(statusLine[1]) else {
            throw Failure.malformed(headText)
        }
        let headers = lines.map { line -> (String, String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : "")
        }
        var reply = Reply(status: status, headers: headers, body: [])
        if !head, let length = reply.header("Content-Length").flatMap(Int.init) {
            while buffer.count < length {
                if try !fill() { throw Failure.closed(received: String(decoding: buffer, as: UTF8.self)) }
            }
            reply.body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        }
        return reply
    }

    /// Waits for the server to close the connection; returns any bytes that came first. Throws if
    /// the connection is still open when the receive timeout passes.
    func readUntilClosed() throws -> [UInt8] {
        while try fill() {}
        defer { buffer.removeAll() }
        return buffer
    }

    /// Bytes already received but not consumed by `readResponse`.
    var pending: [UInt8] { buffer }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        for i in 0...(buffer.count - pattern.count) where buffer[i] == pattern[0] {
            if Array(buffer[i..<(i + pattern.count)]) == pattern { return i }
        }
        return nil
    }
}
