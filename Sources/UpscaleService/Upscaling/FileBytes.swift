#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole files in and out, with failures in the system's words ("No such file or directory"), so a
/// message can name the file and the reason without Foundation's error dumps.
public enum FileBytes {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let path: String
        /// The system's message for `code`.
        public let reason: String
        /// The `errno` of the call that failed.
        public let code: Int32

        init(path: String, code: Int32) {
            self.path = path
            self.code = code
            reason = String(cString: strerror(code))
        }

        public var description: String { "\(path): \(reason)" }
    }

    public static func read(_ path: String) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: path, code: errno) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw Failure(path: path, code: errno) }
        guard status.st_mode & S_IFMT != S_IFDIR else { throw Failure(path: path, code: EISDIR) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(status.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { readSome(fd, $0) }
            if n == 0 { return bytes }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, code: errno)
            }
            bytes += chunk[0..<n]
        }
    }

    /// Creates or replaces `path` with `bytes`.
    public static func write(_ bytes: [UInt8], to path: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(path: path, code: errno) }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { writeSome(fd, $0) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                throw Failure(path: path, code: code)
            }
            written += n
        }
        guard close(fd) == 0 else { throw Failure(path: path, code: errno) }
    }
}

// The C calls, under names that do not clash with `FileBytes.read` and `write`.
private func readSome(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int { read(fd, buffer.baseAddress, buffer.count) }
private func writeSome(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Int { write(fd, buffer.baseAddress, buffer.count) }
