#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few socket system calls the server makes, with errors turned into `ServerError`.
enum Socket {
    #if canImport(Glibc)
    static let streamType = Int32(SOCK_STREAM.rawValue)
    /// Flags set atomically when the listener is created and when a connection is accepted on Linux: a
    /// process forking in another thread between socket() (or accept()) and fcntl() would otherwise keep
    /// the descriptor open in its child, which then holds the port or the connection after the server
    /// has closed it.
    static let atomicFlags = Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
    /// accept4(2), looked up in the C library: Glibc's module does not export it (it is behind
    /// _GNU_SOURCE). Without it, accepted connections get their flags from fcntl.
    typealias AcceptWithFlags = @convention(c) (Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32) -> Int32
    static let acceptWithFlags: AcceptWithFlags? = dlsym(nil, "accept4").map { unsafeBitCast($0, to: AcceptWithFlags.self) }
    #else
    static let streamType = SOCK_STREAM
    static let atomicFlags: Int32 = 0
    typealias AcceptWithFlags = @convention(c) (Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32) -> Int32
    static let acceptWithFlags: AcceptWithFlags? = nil
    #endif

    /// Creates a non-blocking listening socket on `host:port` (IPv4 or IPv6, whichever `host`
    /// resolves to first). Returns the descriptor and the port actually bound (useful with port 0).
    static func makeListener(host: String, port: Int, backlog: Int32) throws(ServerError) -> (fd: Int32, port: Int, address: String) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = streamType
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw .addressResolution(host: host, message: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }

        let fd = socket(first.pointee.ai_family, streamType | atomicFlags, 0)
        guard fd >= 0 else { throw .socket(call: "socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let code = errno
            close(fd)
            throw .socket(call: "bind", errno: code)
        }
        guard listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            throw .socket(call: "listen", errno: code)
        }
        if atomicFlags == 0 {
            setNonBlocking(fd)
            setCloseOnExec(fd)
        }
        let local = localAddress(fd)
        return (fd, local.port, local.text)
    }

    /// Accepts one pending connection: `.connection` with a non-blocking descriptor, `.none` when the
    /// backlog is empty, `.failure` with errno otherwise.
    enum Accepted {
        case connection(fd: Int32, remote: String)
        case none
        case failure(Int32)
    }

    static func acceptOne(_ listener: Int32) -> Accepted {
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let flagsSet = acceptWithFlags != nil
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    if let acceptWithFlags { return acceptWithFlags(listener, address, &length, atomicFlags) }
                    return accept(listener, address, &length)
                }
            }
            if fd >= 0 {
                if !flagsSet {
                    setNonBlocking(fd)
                    setCloseOnExec(fd)
                }
                var one: Int32 = 1
                // Responses are written whole; Nagle would only delay the last segment.
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return .connection(fd: fd, remote: describe(storage).text)
            }
            switch errno {
            case EINTR, ECONNABORTED: continue
            case EAGAIN, EWOULDBLOCK: return .none
            default: return .failure(errno)
            }
        }
    }

    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    static func setCloseOnExec(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFD)
        _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC)
    }

    static func localAddress(_ fd: Int32) -> (text: String, port: Int) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return describe(storage)
    }

    /// `a.b.c.d:port` or `[v6]:port`.
    static func describe(_ storage: sockaddr_storage) -> (text: String, port: Int) {
        var copy = storage
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &copy) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var addr = sin.pointee.sin_addr
                    inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count))
                    let port = Int(UInt16(bigEndian: sin.pointee.sin_port))
                    return ("\(text(buffer)):\(port)", port)
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &copy) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var addr = sin6.pointee.sin6_addr
                    inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count))
                    let port = Int(UInt16(bigEndian: sin6.pointee.sin6_port))
                    return ("[\(text(buffer))]:\(port)", port)
                }
            }
        default:
            return ("unknown", 0)
        }
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Closes a descriptor (a free function so types with their own `close()` can call it).
    static func closeDescriptor(_ fd: Int32) {
        _ = close(fd)
    }

    /// Sends without raising SIGPIPE on a peer that has gone. Returns bytes written, nil when the
    /// socket would block, or a negative errno on failure.
    static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int? {
        while true {
            #if canImport(Glibc)
            let n = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            #else
            let n = Darwin.send(fd, bytes.baseAddress, bytes.count, 0)
            #endif
            if n >= 0 { return n }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            default: return -Int(errno)
            }
        }
    }

    /// Reads into `buffer`: bytes read (0 at end of stream), nil when it would block, or a negative
    /// errno on failure.
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n >= 0 { return n }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            default: return -Int(errno)
            }
        }
    }
}
