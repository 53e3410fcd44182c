import Imaging
import SMSR

/// What a worker produced for one job, with where its time went.
struct JobResult: Sendable {
    let input: Image
    let output: Image
    let scale: Int
    let inference: InferenceResult
    /// The encoded upscaled image or mask picture; empty for `analyze`.
    let body: [UInt8]
    let format: ImageFormat
    /// Milliseconds: queue, decode, infer, encode (when there was something to encode).
    let stages: [(name: String, ms: Double)]

    var work: WorkCount { inference.work }
}
