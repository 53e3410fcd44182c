import SMSR

/// How the engine runs, read once where the process starts (environment variables, typed and
/// checked) and handed to every run: which kernels (`SMSR_KERNELS`: avx512, avx2, neon or reference;
/// by default the widest this CPU runs) and a fixed tile size (`SMSR_TILE`, input pixels; by default
/// whole images, tiled only beyond the memory budget).
public struct EngineSettings: Sendable, Equatable {
    /// A kernel build this CPU runs, by name; nil for the widest.
    public var kernels: String?
    public var tileSize: Int?

    public static let kernelsVariable = "SMSR_KERNELS"
    public static let tileVariable = "SMSR_TILE"

    public init(kernels: String? = nil, tileSize: Int? = nil) {
        self.kernels = kernels
        self.tileSize = tileSize
    }

    /// From `SMSR_KERNELS` and `SMSR_TILE`; an unusable value names the variable and what it may be.
    public init(environment: [String: String]) throws(ConfigurationSources.Failure) {
        self.init()
        if let name = environment[Self.kernelsVariable], !name.isEmpty {
            guard Backend.named(name) != nil else {
                let usable = Backend.availableNames.joined(separator: ", ")
                throw .init(description: "\(Self.kernelsVariable)=\(name): no such kernels on this CPU (it runs: \(usable))")
            }
            kernels = name
        }
        if let text = environment[Self.tileVariable], !text.isEmpty {
            guard let size = Int(text), size > 0 else {
                throw .init(description: "\(Self.tileVariable) must be a positive tile edge in input pixels, not \(text)")
            }
            tileSize = size
        }
    }

    /// The options for one run on `threads` threads.
    public func inferenceOptions(threads: Int) -> InferenceOptions {
        InferenceOptions(backend: backend, threads: threads, tiling: tileSize.map { .tiles($0) } ?? .automatic)
    }

    /// The backend named by `kernels`, else the best this CPU runs.
    public var backend: Backend {
        kernels.flatMap(Backend.named) ?? .best
    }
}
