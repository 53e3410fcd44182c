import CoreMetrics
import Foundation
import HTTPServer
import Prometheus

/// The service's metrics, under their fixed names, kept in a registry of their own so several
/// services (as in tests) never share counts, and exposed in the Prometheus text format. Metrics
/// are made through the swift-metrics API with this registry's factory, so the same calls would
/// feed any other backend.
final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    /// By protocol label (`http/1.1`, `h2`).
    private let requestDuration: [String: CoreMetrics.Timer]
    private let http2StreamsOpen: CoreMetrics.Meter
    private let queueDepth: CoreMetrics.Gauge
    private let queueCapacity: CoreMetrics.Gauge
    private let workersBusy: CoreMetrics.Meter
    private let connectionsOpen: CoreMetrics.Meter
    private let inferenceDuration: CoreMetrics.Timer
    private let flopsDense: CoreMetrics.Counter
    private let flopsExecuted: CoreMetrics.Counter
    private let flopsSavedRatio: CoreMetrics.Recorder
    private let memoryReleases: CoreMetrics.Counter
    private let memoryReleasedBytes: CoreMetrics.Counter

    init(queueCapacity capacity: Int) {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Request latency spans a health probe (under a millisecond) to a large upscale (seconds).
        factory.durationHistogramBuckets["smsr_http_request_duration_seconds"] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
            .seconds(5), .seconds(10), .seconds(30),
        ]
        factory.durationHistogramBuckets["smsr_inference_duration_seconds"] = [
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        factory.valueHistogramBuckets["smsr_flops_saved_ratio"] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
        self.factory = factory
        requestDuration = Dictionary(uniqueKeysWithValues: HTTPProtocol.allCases.map { p in
            (p.rawValue, CoreMetrics.Timer(label: "smsr_http_request_duration_seconds",
                                           dimensions: [("protocol", p.rawValue)], factory: factory))
        })
        http2StreamsOpen = CoreMetrics.Meter(label: "smsr_http2_streams_open", factory: factory)
        queueDepth = CoreMetrics.Gauge(label: "smsr_queue_depth", factory: factory)
        queueCapacity = CoreMetrics.Gauge(label: "smsr_queue_capacity", factory: factory)
        workersBusy = CoreMetrics.Meter(label: "smsr_workers_busy", factory: factory)
        connectionsOpen = CoreMetrics.Meter(label: "smsr_connections_open", factory: factory)
        inferenceDuration = CoreMetrics.Timer(label: "smsr_inference_duration_seconds", factory: factory)
        flopsDense = CoreMetrics.Counter(label: "smsr_flops_dense_total", factory: factory)
        flopsExecuted = CoreMetrics.Counter(label: "smsr_flops_executed_total", factory: factory)
        flopsSavedRatio = CoreMetrics.Recorder(label: "smsr_flops_saved_ratio", aggregate: true, factory: factory)
        // Every reason is listed from the start, at 0, so dashboards and alerts need not wait for one.
        for reason in Self.rejectionReasons {
            _ = CoreMetrics.Counter(label: "smsr_images_rejected_total", dimensions: [("reason", reason)], factory: factory)
        }
        for reason in ComputeLimit.reasonLabels {
            _ = CoreMetrics.Counter(label: "smsr_jobs_cancelled_total", dimensions: [("reason", reason)], factory: factory)
        }
        memoryReleases = CoreMetrics.Counter(label: "smsr_memory_releases_total", factory: factory)
        memoryReleasedBytes = CoreMetrics.Counter(label: "smsr_memory_released_kept_bytes_total", factory: factory)
        for reason in HTTP2GoawayReason.allCases {
            _ = CoreMetrics.Counter(label: "smsr_http2_goaways_total", dimensions: [("reason", reason.rawValue)], factory: factory)
        }
        queueCapacity.record(capacity)
        queueDepth.record(0)
        workersBusy.set(0)
        connectionsOpen.set(0)
        http2StreamsOpen.set(0)
    }

    /// One answered request; `route` is a template, never a raw path; `protocol` is `http/1.1` or `h2`.
    func requestCompleted(method: String, route: String, status: Int, protocol: String, duration: Duration) {
        CoreMetrics.Counter(label: "smsr_http_requests_total",
                dimensions: [("method", method), ("route", route), ("status", String(status)), ("protocol", `protocol`)],
                factory: factory)
            .increment()
        requestDuration[`protocol`]?.recordNanoseconds(duration.wholeNanoseconds)
    }

    func http2StreamsChanged(by delta: Int) {
        if delta > 0 { http2StreamsOpen.increment(by: Double(delta)) } else { http2StreamsOpen.decrement(by: Double(-delta)) }
    }

    /// One GOAWAY sent; `reason` is one of `HTTP2GoawayReason`'s values.
    func http2GoawaySent(reason: String) {
        CoreMetrics.Counter(label: "smsr_http2_goaways_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    func queueDepthChanged(_ depth: Int) { queueDepth.record(depth) }

    func workersBusyChanged(by delta: Int) {
        if delta > 0 { workersBusy.increment(by: Double(delta)) } else { workersBusy.decrement(by: Double(-delta)) }
    }

    func connectionsChanged(by delta: Int) {
        if delta > 0 { connectionsOpen.increment(by: Double(delta)) } else { connectionsOpen.decrement(by: Double(-delta)) }
    }

    func inferenceFinished(duration: Duration, dense: Int, executed: Int) {
        inferenceDuration.recordNanoseconds(duration.wholeNanoseconds)
        flopsDense.increment(by: Int64(dense))
        flopsExecuted.increment(by: Int64(executed))
        flopsSavedRatio.record(dense == 0 ? 0 : 1 - Double(executed) / Double(dense))
    }

    static let rejectionReasons = [
        "unsupported_type", "body_too_large", "too_many_pixels", "too_large_for_format", "tiling_overhead", "corrupt",
        "queue_full", "queue_timeout", "client_gone",
    ]

    func imageRejected(reason: String) {
        CoreMetrics.Counter(label: "smsr_images_rejected_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// A running job stopped between tiles; `reason` is one of `ComputeLimit.reasonLabels`.
    func jobCancelled(reason: String) {
        CoreMetrics.Counter(label: "smsr_jobs_cancelled_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    func memoryReleased(_ report: MemoryRelease.Report) {
        memoryReleases.increment()
        memoryReleasedBytes.increment(by: Int64(report.keptBytes))
    }

    /// The Prometheus text exposition (version 0.0.4) of every metric.
    func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}

extension Duration {
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
