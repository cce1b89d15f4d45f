public import Prometheus

/// The service's own figures, kept in a Prometheus registry that `/metrics` exposes.
///
/// The SLO figures are here: sample-to-action latency (the detection SLO), decision latency (queued to
/// decided), the queue depth, and dispatch outcomes.
public final class ServiceMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    let samplesAccepted: Counter
    let samplesRejected: Counter
    let batches: Counter
    let batchesRefusedBusy: Counter
    let movementsAccepted: Counter
    let raisedAction: Counter
    let raisedRecommendation: Counter
    let raisedShadow: Counter
    let decisionApproved: Counter
    let decisionRejected: Counter
    let decisionJudged: Counter
    let decisionExpired: Counter
    let dispatchDelivered: Counter
    let dispatchFailed: Counter
    let dispatchDeadLettered: Counter
    let gateTransitions: Counter
    let auditRecords: Gauge
    /// Seconds from a sample's arrival to its action being queued.
    let sampleToAction: ValueHistogram
    /// Seconds from an action being queued to a person deciding it.
    let queuedToDecided: ValueHistogram
    /// Seconds to store and process one ingest batch.
    let ingestDuration: ValueHistogram

    /// Metrics in `registry` (a fresh one by default).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        samplesAccepted = registry.makeCounter(descriptor: Self.name("samples_accepted", "total", "Telemetry samples stored"))
        samplesRejected = registry.makeCounter(descriptor: Self.name("samples_rejected", "total", "Telemetry samples and movements refused"))
        batches = registry.makeCounter(descriptor: Self.name("ingest_batches", "total", "Ingest batches stored"))
        batchesRefusedBusy = registry.makeCounter(
            descriptor: Self.name("ingest_batches_refused_busy", "total", "Ingest batches refused because a cell's scoring lagged too far behind"))
        movementsAccepted = registry.makeCounter(descriptor: Self.name("movements_accepted", "total", "Stock movements stored"))
        let raised = Self.name("detections", "total", "Detections raised, by the mode the gate gave them")
        raisedAction = registry.makeCounter(descriptor: raised, labels: [("mode", "action")])
        raisedRecommendation = registry.makeCounter(descriptor: raised, labels: [("mode", "recommendation")])
        raisedShadow = registry.makeCounter(descriptor: raised, labels: [("mode", "shadow")])
        let decided = Self.name("decisions", "total", "Decisions on actions and recommendations")
        decisionApproved = registry.makeCounter(descriptor: decided, labels: [("decision", "approved")])
        decisionRejected = registry.makeCounter(descriptor: decided, labels: [("decision", "rejected")])
        decisionJudged = registry.makeCounter(descriptor: decided, labels: [("decision", "judged")])
        decisionExpired = registry.makeCounter(descriptor: decided, labels: [("decision", "expired")])
        let dispatched = Self.name("dispatch_attempts", "total", "Calls to the ERP/MES, by outcome")
        dispatchDelivered = registry.makeCounter(descriptor: dispatched, labels: [("outcome", "delivered")])
        dispatchFailed = registry.makeCounter(descriptor: dispatched, labels: [("outcome", "failed")])
        dispatchDeadLettered = registry.makeCounter(descriptor: dispatched, labels: [("outcome", "dead-lettered")])
        gateTransitions = registry.makeCounter(descriptor: Self.name("gate_events", "total", "Gate events (promotions, fallbacks, passes, …)"))
        auditRecords = registry.makeGauge(descriptor: Self.name("audit", "records", "Records in the audit log"))
        sampleToAction = registry.makeValueHistogram(
            descriptor: Self.name("sample_to_action", "seconds", "From a sample's arrival to the action it triggered being queued (detection SLO)"),
            buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5])
        queuedToDecided = registry.makeValueHistogram(
            descriptor: Self.name("queued_to_decided", "seconds", "From an action being queued to a person deciding it (response SLO)"),
            buckets: [10, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 14_400])
        ingestDuration = registry.makeValueHistogram(
            descriptor: Self.name("ingest_batch", "seconds", "Time to validate, store and score one ingest batch"),
            buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1])
    }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "sluice", metricName: metric, unitName: unit, helpText: help)
    }

    /// The registry rendered in Prometheus's text format.
    public func render() -> String { registry.emitToString() }
}
