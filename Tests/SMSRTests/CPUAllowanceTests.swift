import Foundation
import Testing
@testable import SMSR

@Suite struct CPUAllowanceTests {
    @Test func quotaRoundsUpToWholeCores() {
        #expect(CPUAllowance.quotaCores(cpuMax: "200000 100000\n") == 2)
        #expect(CPUAllowance.quotaCores(cpuMax: "150000 100000") == 2)
        #expect(CPUAllowance.quotaCores(cpuMax: "50000 100000") == 1)
        #expect(CPUAllowance.quotaCores(cpuMax: "400000 50000") == 8)
    }

    @Test func noQuotaOrUnreadableLinesGiveNil() {
        #expect(CPUAllowance.quotaCores(cpuMax: "max 100000\n") == nil)
        #expect(CPUAllowance.quotaCores(cpuMax: "") == nil)
        #expect(CPUAllowance.quotaCores(cpuMax: "100000") == nil)
        #expect(CPUAllowance.quotaCores(cpuMax: "0 100000") == nil)
    }

    @Test func unifiedGroupIsTheZeroLine() {
        let v2 = "0::/kubepods.slice/kubepods-pod12.slice/cri-containerd-ab.scope\n"
        #expect(CPUAllowance.unifiedGroup(procSelfCgroup: v2) == "/kubepods.slice/kubepods-pod12.slice/cri-containerd-ab.scope")
        #expect(CPUAllowance.unifiedGroup(procSelfCgroup: "12:cpu,cpuacct:/docker/1\n0::/\n") == "/")
        #expect(CPUAllowance.unifiedGroup(procSelfCgroup: "12:cpu,cpuacct:/docker/1\n4:memory:/docker/1\n") == nil)
    }

    @Test func coresAreWithinTheOnlineProcessors() {
        #expect(CPUAllowance.cores >= 1)
        #expect(CPUAllowance.cores <= ProcessInfo.processInfo.activeProcessorCount)
    }
}
