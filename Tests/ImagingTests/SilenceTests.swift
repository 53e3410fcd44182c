import Foundation
import Imaging
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// libpng and libjpeg print warnings to stderr by default; the codecs must stay silent. The decoding runs in a
/// child process (an exit test), whose standard error holds only what that process printed: redirecting this
/// process's stderr would also catch the test runner's own progress lines from tests running in parallel.
@Suite struct SilenceTests {
    @Test func errorsAndWarningsPrintNothing() async throws {
        let result = try await #require(processExitsWith: .success, observing: [\.standardErrorContent]) {
            let jpeg = try ImageCodec.encode(TestSupport.texturedImage(width: 24, height: 24), as: .jpeg)
            // Junk before EOI: libjpeg's "extraneous bytes before marker" warning, recoverable.
            let junkBeforeEOI = Array(jpeg.dropLast(2)) + [0x12, 0x34, 0x56, 0xFF, 0xD9]
            guard (try? ImageCodec.decode(junkBeforeEOI))?.image.width == 24 else { exit(10) }
            for cut in [jpeg.count / 2, jpeg.count - 1] {
                do {
                    _ = try ImageCodec.decode(Array(jpeg[0..<cut]))
                    exit(11)
                } catch is ImageError {
                } catch {
                    exit(12)
                }
            }
            var failures = 0
            for file in try TestSupport.suiteFiles().map(TestSupport.bytes(of:)) {
                do { _ = try ImageCodec.decode(file) } catch { failures += 1 }
            }
            // The corrupt x*.png files.
            guard failures == 14 else { exit(13) }
        }
        let printed = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(printed.isEmpty, "printed: \(printed)")
    }
}
