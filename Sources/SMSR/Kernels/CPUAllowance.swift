import Foundation

/// The cores this process may keep busy: Foundation's count of usable processors (which follows the
/// affinity mask, cpusets and cgroup v1 quotas), capped by a cgroup v2 CPU quota (`cpu.max`), which that
/// count does not read. A container limited to 2 CPUs on a 64-core node then defaults to 2 threads' worth
/// of work instead of 64 threads fighting over a 2-CPU quota.
public enum CPUAllowance {
    public static let cores: Int = {
        let online = max(1, ProcessInfo.processInfo.activeProcessorCount)
        guard let membership = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8),
              let group = unifiedGroup(procSelfCgroup: membership) else { return online }
        // The quota may be set on the process's own group or on any group above it: the smallest one binds.
        var quota: Int?
        var path = group
        while true {
            if let text = try? String(contentsOfFile: "/sys/fs/cgroup\(path == "/" ? "" : path)/cpu.max", encoding: .utf8),
               let cores = quotaCores(cpuMax: text) {
                quota = min(quota ?? cores, cores)
            }
            if path == "/" || path.isEmpty { break }
            path = (path as NSString).deletingLastPathComponent
        }
        return min(online, quota ?? online)
    }()

    /// The cgroup v2 path in `/proc/self/cgroup` (the `0::/path` line), or nil on a cgroup v1 system.
    static func unifiedGroup(procSelfCgroup text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("0::") {
            let path = String(line.dropFirst(3))
            return path.hasPrefix("/") ? path : nil
        }
        return nil
    }

    /// Whole cores from a `cpu.max` line (`QUOTA PERIOD` in microseconds, or `max PERIOD` for none), rounded
    /// up so a 1.5-CPU quota still gets two threads; nil when there is no quota.
    static func quotaCores(cpuMax text: String) -> Int? {
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let quota = Int(fields[0]), let period = Int(fields[1]), quota > 0, period > 0 else {
            return nil
        }
        return max(1, (quota + period - 1) / period)
    }
}
