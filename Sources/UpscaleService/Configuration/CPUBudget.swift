/// Splits the machine's cores between concurrent jobs (`workers`) and threads inside one job
/// (`threadsPerJob`). By default their product is at most the core count: more would only make
/// jobs fight over cores and stretch every request's latency.
public struct CPUBudget: Sendable, Equatable {
    public let workers: Int
    public let threadsPerJob: Int
    /// Set when explicit values ask for more threads than there are cores.
    public let warning: String?

    public init(cores: Int, workers: Int?, threadsPerJob: Int?) {
        let cores = max(1, cores)
        switch (workers, threadsPerJob) {
        case let (w?, t?):
            self.workers = w
            self.threadsPerJob = t
        case let (w?, nil):
            self.workers = w
            self.threadsPerJob = max(1, cores / w)
        case let (nil, t?):
            self.workers = max(1, cores / t)
            self.threadsPerJob = t
        case (nil, nil):
            self.workers = cores
            self.threadsPerJob = 1
        }
        let total = self.workers * self.threadsPerJob
        warning = total > cores
            ? "\(self.workers) workers x \(self.threadsPerJob) threads per job = \(total) threads on \(cores) cores; jobs will share cores"
            : nil
    }
}
