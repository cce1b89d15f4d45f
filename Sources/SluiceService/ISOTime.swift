public import Foundation
import SluiceTelemetry

/// RFC 3339 times with milliseconds, as the API writes and reads them.
public enum ISOTime {
    /// `2026-11-21T08:00:00.250Z`.
    public static func format(_ date: Date) -> String {
        let ms = (date.timeIntervalSince1970 * 1000).rounded()
        let seconds = (ms / 1000).rounded(.down)
        let millis = Int(ms - seconds * 1000)
        // Timestamp writes `YYYY-MM-DD hh:mm:ss`; RFC 3339 wants the T.
        let text = Timestamp.format(seconds).replacingOccurrences(of: " ", with: "T")
        return text + "." + String(format: "%03d", millis) + "Z"
    }

    /// Parses RFC 3339 text (with or without fractions, `Z` or an offset).
    public static func parse(_ text: String) -> Date? {
        Timestamp.seconds(from: Substring(text)).map { Date(timeIntervalSince1970: $0) }
    }
}
