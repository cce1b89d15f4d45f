import Foundation

/// Sensor values as compact JSON with sorted keys: readable in the SQLite shell, cheap to write. Both
/// stores keep samples this way, and the replicas' inbox keeps queued samples this way too.
public enum SensorValuesCoding {
    /// The values as a JSON object, keys sorted; the values must be finite.
    public static func encode(_ values: [String: Double]) -> String {
        // Appended piece by piece into one buffer: this runs for every stored sample.
        var out = "{"
        out.reserveCapacity(24 * values.count + 2)
        var first = true
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            if !first { out.append(",") }
            first = false
            out.append("\"")
            out.append(escape(key))
            out.append("\":")
            out.append(value.description)
        }
        out.append("}")
        return out
    }

    /// Values written by ``encode(_:)``; anything else is ``StoreError/invalid(_:)``.
    public static func decode(_ text: String) throws -> [String: Double] {
        do {
            return try JSONDecoder().decode([String: Double].self, from: Data(text.utf8))
        } catch {
            throw StoreError.invalid("sensor values '\(text.prefix(80))'")
        }
    }

    private static func escape(_ key: String) -> String {
        guard key.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) else { return key }
        var out = ""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
