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

    /// Decodes a request body; malformed JSON is a ``TelemetryJSONError`` that says where.
    public static func decode(_ data: Data) throws(TelemetryJSONError) -> TelemetryBatch {
        try TelemetryJSONParser.parse(data)
    }
}

/// A request body that is not JSON, or not an object: the line and column where it breaks. The API answers
/// it with 400.
public struct TelemetryJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong and where.
    public let message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
