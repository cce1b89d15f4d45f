import Foundation
import GRDB

/// Samples and ingest batches in SQLite. Samples are keyed by (asset, time), which is what makes a
/// resent sample a duplicate rather than a second row.
struct SQLiteSampleRepository: SampleRepository {
    let db: Database

    func insertBatch(_ batch: IngestBatchRecord) throws -> Int64 {
        try db.cachedStatement(
            sql: "INSERT INTO ingest_batch (correlation_id, source, received_at, accepted, rejected) VALUES (?, ?, ?, ?, ?)"
        ).execute(arguments: [batch.correlationID, batch.source, batch.receivedAt.storedMilliseconds, batch.accepted, batch.rejected])
        return db.lastInsertedRowID
    }

    func updateBatchCounts(id: Int64, accepted: Int, rejected: Int) throws {
        try db.cachedStatement(sql: "UPDATE ingest_batch SET accepted = ?, rejected = ? WHERE id = ?")
            .execute(arguments: [accepted, rejected, id])
    }

    func batch(id: Int64) throws -> IngestBatchRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM ingest_batch WHERE id = ?", arguments: [id]).map { row in
            IngestBatchRecord(
                id: row["id"], correlationID: row["correlation_id"], source: row["source"], receivedAt: row.date("received_at"),
                accepted: row["accepted"], rejected: row["rejected"])
        }
    }

    func insert(_ sample: SampleRecord) throws -> Bool {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO sample (asset, time, batch, sensor_values) VALUES (?, ?, ?, ?)")
            .execute(arguments: [sample.asset, sample.time.storedMilliseconds, sample.batch, SensorValuesCoding.encode(sample.values)])
        return db.changesCount == 1
    }

    func recent(asset: String, limit: Int) throws -> [SampleRecord] {
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM sample WHERE asset = ? ORDER BY time DESC LIMIT ?", arguments: [asset, limit])
        return try rows.reversed().map { row in
            SampleRecord(
                asset: row["asset"], time: row.date("time"), values: try SensorValuesCoding.decode(row["sensor_values"]), batch: row["batch"])
        }
    }

    func count(asset: String?) throws -> Int {
        if let asset {
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sample WHERE asset = ?", arguments: [asset]) ?? 0
        }
        return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sample") ?? 0
    }

    func contains(asset: String, time: Date) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM sample WHERE asset = ? AND time = ?)", arguments: [asset, time.storedMilliseconds]) ?? false
    }
}

/// Sensor values as compact JSON with sorted keys: readable in the SQLite shell, cheap to write.
enum SensorValuesCoding {
    static func encode(_ values: [String: Double]) -> String {
        var out = "{"
        for (index, key) in values.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            out += "\"" + escape(key) + "\":" + "\(values[key]!)"
        }
        return out + "}"
    }

    static func decode(_ text: String) throws -> [String: Double] {
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
