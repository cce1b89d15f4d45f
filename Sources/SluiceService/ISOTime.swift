public import Foundation
import SluiceTelemetry

/// RFC 3339 times with milliseconds, as the API writes and reads them.
public enum ISOTime {
    /// `2026-11-21T08:00:00.250Z`.
    public static func format(_ date: Date) -> String {
        let ms = (date.timeIntervalSince1970 * 1000).rounded()
        let seconds = (ms / 1000).rounded(.down)
        let millis = Int(ms - seconds * 1000)
        let (year, month, day, second) = Timestamp.civil(seconds)
        guard (0...9_999).contains(year) else { return Timestamp.format(seconds) }
        // Written digit by digit: ingest and evidence format many times a second.
        var bytes = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int, _ width: Int, at offset: Int) {
            var v = value
            for i in stride(from: offset + width - 1, through: offset, by: -1) {
                bytes[i] = UInt8(48 + v % 10)
                v /= 10
            }
        }
        put(year, 4, at: 0)
        put(month, 2, at: 5)
        put(day, 2, at: 8)
        put(second / 3_600, 2, at: 11)
        put(second / 60 % 60, 2, at: 14)
        put(second % 60, 2, at: 17)
        put(millis, 3, at: 20)
        for (i, c) in [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "."), (23, "Z")] as [(Int, Unicode.Scalar)] {
            bytes[i] = UInt8(c.value)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses RFC 3339 text (with or without fractions, `Z` or an offset), to the millisecond: the
    /// resolution times are stored at, so a time read back compares equal to the one sent.
    public static func parse(_ text: String) -> Date? {
        // A bare number is a CSV file's time, not an RFC 3339 one; and a time outside 1970–9999 is a typo
        // (or a probe) that no store column holds.
        guard Double(text) == nil, let seconds = Timestamp.seconds(from: Substring(text)), (0...253_402_300_799).contains(seconds) else { return nil }
        return Date(timeIntervalSince1970: (seconds * 1_000).rounded() / 1_000)
    }
}
