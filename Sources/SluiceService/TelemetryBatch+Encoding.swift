public import Foundation
public import SluiceTelemetry

extension TelemetryBatch {
    /// A sample to send.
    public struct Outgoing: Sendable, Encodable {
        /// The asset.
        public var asset: String
        /// When it was measured.
        public var time: Date
        /// Values by sensor name.
        public var values: [String: Double]

        /// A sample.
        public init(asset: String, time: Date, values: [String: Double]) {
            self.asset = asset
            self.time = time
            self.values = values
        }
    }

    /// A movement to send.
    public struct OutgoingMovement: Sendable, Encodable {
        /// The item code.
        public var item: String
        /// What happened.
        public var kind: MovementKind
        /// How much.
        public var quantity: Double
        /// When.
        public var time: Date

        /// A movement.
        public init(item: String, kind: MovementKind, quantity: Double, time: Date) {
            self.item = item
            self.kind = kind
            self.quantity = quantity
            self.time = time
        }
    }

    /// The request body for `samples` and `movements`, as `POST /v1/telemetry` and MQTT take it.
    public static func json(samples: [Outgoing], movements: [OutgoingMovement] = []) -> String {
        struct Body: Encodable {
            let samples: [Outgoing]
            let movements: [OutgoingMovement]
        }
        // Assets, sensors and times always encode: the only failure would be a value that is not finite,
        // which SluiceJSON spells out as a string the server then refuses with its reason.
        return (try? SluiceJSON.encoder.encode(Body(samples: samples, movements: movements))).map { String(decoding: $0, as: UTF8.self) }
            ?? #"{"samples":[],"movements":[]}"#
    }
}
