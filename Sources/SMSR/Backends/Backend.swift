/// The backend a run uses, chosen by the caller (the service reads its configuration once and passes this in;
/// the engine reads no environment).
public struct Backend: Sendable {
    let units: any NetworkBackend

    init(_ units: any NetworkBackend) {
        self.units = units
    }

    /// A short name for reports: "reference", or the vector build's instruction set.
    public var name: String { units.name }

    /// The convolutions behind the backend, for timing them alone.
    public var kernels: any ConvolutionKernels { units.kernels }

    /// The plain reference kernels composed step by step.
    public static let reference = Backend(ReferenceBackend())

    /// The vector kernels of `instructionSet`; nil where this CPU cannot run them.
    public static func vector(_ instructionSet: InstructionSet) -> Backend? {
        SIMDKernels(instructionSet).map { Backend(VectorBackend(kernels: $0)) }
    }

    /// The backend called `name` ("reference", "avx512", "avx2", "neon"), or nil if there is none by that name
    /// or this CPU cannot run it.
    public static func named(_ name: String) -> Backend? {
        if name == "reference" { return .reference }
        return InstructionSet(rawValue: name).flatMap { vector($0) }
    }

    /// The names `named` accepts on this CPU.
    public static var availableNames: [String] {
        InstructionSet.allCases.filter(\.isSupported).map(\.rawValue) + ["reference"]
    }

    /// The best backend this CPU runs: the highest-scoring vector build (see `InstructionSet.best`), else the reference.
    public static let best: Backend = InstructionSet.best.flatMap { vector($0) } ?? .reference
}
