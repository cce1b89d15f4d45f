public import Foundation

/// An ingest request as sent: samples (`asset`, `time`, `values` by sensor name) and stock movements.
///
/// Decoding is lenient per item, so one bad sample is refused with its reason while the rest of the batch
/// is kept; only a body that is not JSON, or not an object, fails as a whole.
public struct TelemetryBatch: Sendable {
    /// One sample as sent; fields that could not be read are nil, with the problem said.
    public struct Sample: Sendable {
        /// The asset.
        public var asset: String?
        /// RFC 3339 time text.
        public var time: String?
        /// Values by sensor name.
        public var values: [String: Value]?
        /// What made the item unreadable, if anything.
        public var problem: String?

        /// A sample.
        public init(asset: String?, time: String?, values: [String: Double]?) {
            self.asset = asset
            self.time = time
            self.values = values?.mapValues(Value.number)
        }

    }

    /// A value as sent: a number, or something else.
    public enum Value: Sendable, Equatable {
        /// A number.
        case number(Double)
        /// Not a number, with what it was.
        case invalid(String)

    }

    /// A stock movement as sent.
    public struct Movement: Sendable {
        /// The item code.
        public var item: String?
        /// `consumption`, `receipt` or `count`.
        public var kind: String?
        /// How much.
        public var quantity: Double?
        /// RFC 3339 time text.
        public var time: String?
        /// What made the item unreadable, if anything.
        public var problem: String?

        /// A movement.
        public init(item: String?, kind: String?, quantity: Double?, time: String?) {
            self.item = item
            self.kind = kind
            self.quantity = quantity
            self.time = time
        }

    }

    /// The samples.
    public var samples: [Sample]
    /// The stock movements.
    public var movements: [Movement]

    /// A batch.
    public init(samples: [Sample] = [], movements: [Movement] = []) {
        self.samples = samples
        self.movements = movements
    }

    /// Decodes a request body; malformed JSON is a ``ServiceError/invalid(_:)`` that says where.
    public static func decode(_ data: Data) throws -> TelemetryBatch {
        try TelemetryJSONParser.parse(data)
    }
}

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
