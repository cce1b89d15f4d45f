import Crypto
public import Foundation

/// The hash chain of the audit log.
///
/// Each record's hash is SHA-256 over the previous record's hash followed by a canonical encoding of
/// the record: its sequence number and each field in a fixed order, every one as an 8-byte big-endian
/// length and its UTF-8 bytes (times as milliseconds since 1970, absent fields as the empty string with
/// length `2⁶⁴ − 1`). Length prefixes make the encoding unambiguous, so no two different records can
/// encode alike; chaining through the previous hash makes any edit, deletion or reordering visible.
public enum AuditChain {
    /// The "previous hash" of the first record.
    public static let genesis = String(repeating: "0", count: 64)

    /// The hash of `entry` at `sequence`, chained to `previousHash`.
    public static func hash(sequence: Int64, entry: AuditEntry, previousHash: String) -> String {
        var hasher = SHA256()
        var bytes = [UInt8]()
        bytes.reserveCapacity(256 + entry.details.utf8.count)
        append(previousHash, to: &bytes)
        append(String(sequence), to: &bytes)
        append(String(milliseconds(entry.time)), to: &bytes)
        append(entry.actor, to: &bytes)
        append(entry.role, to: &bytes)
        append(entry.event, to: &bytes)
        append(entry.subject, to: &bytes)
        append(entry.cell, to: &bytes)
        append(entry.correlationID, to: &bytes)
        append(entry.details, to: &bytes)
        hasher.update(data: bytes)
        return hex(hasher.finalize())
    }

    /// The record that follows `checkpoint` with `entry`.
    public static func next(after checkpoint: AuditCheckpoint, entry: AuditEntry) -> AuditRecord {
        let sequence = checkpoint.size + 1
        return AuditRecord(
            sequence: sequence, entry: entry, previousHash: checkpoint.head,
            hash: hash(sequence: sequence, entry: entry, previousHash: checkpoint.head))
    }

    /// Milliseconds since 1970: the resolution times are stored and hashed at.
    /// Times beyond what 64 bits of milliseconds hold (nothing a caller should pass) are clamped, not trapped.
    public static func milliseconds(_ date: Date) -> Int64 {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        guard let exact = Int64(exactly: milliseconds) else { return milliseconds < 0 ? Int64.min : Int64.max }
        return exact
    }

    private static func append(_ field: String?, to bytes: inout [UInt8]) {
        guard let field else {
            bytes.append(contentsOf: [UInt8](repeating: 0xFF, count: 8))
            return
        }
        let utf8 = Array(field.utf8)
        let length = UInt64(utf8.count)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: length >> UInt64(shift))) }
        bytes.append(contentsOf: utf8)
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
