public import Foundation

extension TelemetryBatch {
    /// A sample to send.
    public struct Outgoing: Sendable {
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
    public struct OutgoingMovement: Sendable {
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
        var out = "{\"samples\":["
        out.reserveCapacity(samples.count * 160 + 32)
        for (i, sample) in samples.enumerated() {
            if i > 0 { out += "," }
            out += "{\"asset\":" + JSONField.quote(sample.asset) + ",\"time\":\"" + ISOTime.format(sample.time) + "\",\"values\":{"
            for (j, key) in sample.values.keys.sorted().enumerated() {
                if j > 0 { out += "," }
                out += JSONField.quote(key) + ":" + JSONField.number(sample.values[key]!).encoded()
            }
            out += "}}"
        }
        out += "],\"movements\":["
        for (i, movement) in movements.enumerated() {
            if i > 0 { out += "," }
            out +=
                "{\"item\":" + JSONField.quote(movement.item) + ",\"kind\":\"" + movement.kind.rawValue + "\",\"quantity\":"
                + JSONField.number(movement.quantity).encoded() + ",\"time\":\"" + ISOTime.format(movement.time) + "\"}"
        }
        return out + "]}"
    }
}
