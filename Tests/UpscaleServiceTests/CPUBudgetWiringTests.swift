import Testing
@testable import UpscaleService

@Suite struct CPUBudgetWiringTests {
    /// The engine gets exactly the threads the budget gives one job, whatever the machine's core count.
    @Test(arguments: [1, 2, 3])
    func jobsRunWithTheirShareOfThreads(_ threads: Int) {
        var configuration = ServiceConfiguration()
        configuration.threadsPerJob = threads
        #expect(configuration.inferenceOptions.threads == threads)
    }
}
