import FuzzTargets
#if canImport(Glibc)
import Glibc
#endif

/// The libFuzzer entry point. Built only with SMSR_FUZZ=1 and `--sanitize=fuzzer` (scripts/fuzz.sh),
/// which links libFuzzer's own `main`; SMSR_FUZZ_TARGET names the target this process runs.
let target: FuzzTarget = {
    let name = getenv("SMSR_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        let message = "SMSR_FUZZ_TARGET must be one of: \(names)\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    _ = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    target.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
