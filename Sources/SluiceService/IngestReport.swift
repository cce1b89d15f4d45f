public import Foundation

/// What became of an ingest batch: how many items were kept, each refused one with its reason, and the
/// actions and recommendations it raised.
public struct IngestReport: Sendable, Codable, Equatable {
    /// One refused sample or movement.
    public struct Rejection: Sendable, Codable, Equatable {
        /// `samples` or `movements`.
        public var list: String
        /// Its position in that list, from 0.
        public var index: Int
        /// The asset or item it named, if any.
        public var subject: String?
        /// Why it was refused.
        public var reason: String

        /// A rejection.
        public init(list: String, index: Int, subject: String?, reason: String) {
            self.list = list
            self.index = index
            self.subject = subject
            self.reason = reason
        }
    }

    /// The stored batch's id (nil when nothing was accepted).
    public var batch: Int64?
    /// The correlation id carried to every action the batch triggers.
    public var correlationID: String
    /// Samples stored.
    public var acceptedSamples: Int
    /// Movements stored.
    public var acceptedMovements: Int
    /// Everything refused, in order.
    public var rejected: [Rejection]
    /// Ids of the actions, recommendations and shadow detections raised.
    public var raised: [String]
    /// True when the batch was queued for its cell's scorer (replicas on a shared store): it is stored,
    /// and what it raises appears on the queue moments later, so `raised` is empty and a resent sample is
    /// dropped by the scorer rather than listed here.
    public var queued: Bool?

    /// A report.
    public init(
        batch: Int64?, correlationID: String, acceptedSamples: Int, acceptedMovements: Int, rejected: [Rejection], raised: [String],
        queued: Bool? = nil
    ) {
        self.queued = queued
        self.batch = batch
        self.correlationID = correlationID
        self.acceptedSamples = acceptedSamples
        self.acceptedMovements = acceptedMovements
        self.rejected = rejected
        self.raised = raised
    }
}
