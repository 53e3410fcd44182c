import HTTPServer
import Imaging
import UpscaleService

/// Every fuzz target: what one input is fed to. The libFuzzer runner (Fuzz/Runner, built by
/// scripts/fuzz.sh) runs one of them per process; Tests/FuzzReplayTests replays each target's seed
/// corpus and kept crash inputs (Fuzz/corpus/NAME, Fuzz/regressions/NAME) in `swift test`.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case requestHead = "request-head"
    case chunkedBody = "chunked-body"
    case http1Session = "http1-session"
    case http2Frames = "http2-frames"
    case imageUpload = "image-upload"
    case png
    case jpeg
    case webp

    /// Decoding is bounded like the service bounds it, smaller so that each run stays fast.
    static let maxPixels = 1 << 18

    /// Feeds one input; true if it was taken in full (a complete head or body, a request
    /// dispatched, an upload found, an image decoded), false if refused along the way.
    @discardableResult
    public func run(_ input: [UInt8]) -> Bool {
        switch self {
        case .requestHead: HTTPFuzzTargets.requestHead(input)
        case .chunkedBody: HTTPFuzzTargets.chunkedBody(input)
        case .http1Session: HTTPFuzzTargets.http1Session(input)
        case .http2Frames: HTTPFuzzTargets.http2Session(input)
        case .imageUpload: ServiceFuzzTargets.imageUpload(input)
        case .png: Self.decode(input, as: .png)
        case .jpeg: Self.decode(input, as: .jpeg)
        case .webp: Self.decode(input, as: .webp)
        }
    }

    /// One format's decoder through `ImageCodec`, as an upload reaches it: header first, then
    /// pixels. Input of another format is skipped so each target stays on its own decoder.
    private static func decode(_ input: [UInt8], as format: ImageFormat) -> Bool {
        guard ImageCodec.sniff(input) == format else { return false }
        guard let header = try? ImageCodec.readHeader(input) else { return false }
        precondition(header.width > 0 && header.height > 0)
        guard let decoded = try? ImageCodec.decode(input, maxPixels: maxPixels) else { return false }
        let image = decoded.image
        precondition(image.pixelCount == header.pixelCount && image.pixelCount <= maxPixels)
        precondition(image.pixels.count == image.pixelCount * image.layout.channelCount)
        return true
    }
}
