import Foundation
import GRDB

/// Samples and ingest batches in SQLite.
///
/// Samples are appended in arrival order and indexed by time only: a batch touches a few pages at the end
/// of the table and of the index, whatever the number of assets in it. (Keyed by asset and time, a batch
/// over hundreds of assets dirtied a page per asset and spent most of its time writing them.) Duplicates
/// are found by the engine: a sample newer than its asset's latest cannot be stored already, and any
/// other is looked up by its time.
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

    func insert(_ sample: SampleRecord) throws {
        try db.cachedStatement(sql: "INSERT INTO sample (asset, time, batch, sensor_values) VALUES (?, ?, ?, ?)")
            .execute(arguments: [sample.asset, sample.time.storedMilliseconds, sample.batch, SensorValuesCoding.encode(sample.values)])
    }

    /// Rows per multi-row INSERT: one statement step for a hundred samples instead of one each.
    static let rowsPerStatement = 100

    func insert(_ samples: [SampleRecord]) throws {
        var start = 0
        while samples.count - start >= Self.rowsPerStatement {
            let statement = try db.cachedStatement(
                sql: "INSERT INTO sample (asset, time, batch, sensor_values) VALUES "
                    + Array(repeating: "(?, ?, ?, ?)", count: Self.rowsPerStatement).joined(separator: ", "))
            var values: [(any DatabaseValueConvertible)?] = []
            values.reserveCapacity(4 * Self.rowsPerStatement)
            for sample in samples[start..<(start + Self.rowsPerStatement)] {
                values += [sample.asset, sample.time.storedMilliseconds, sample.batch, SensorValuesCoding.encode(sample.values)]
            }
            try statement.execute(arguments: StatementArguments(values))
            start += Self.rowsPerStatement
        }
        for sample in samples[start...] { try insert(sample) }
    }

    func recentByAsset(perAsset: Int, scanLimit: Int) throws -> [String: [SampleRecord]] {
        var windows: [String: [SampleRecord]] = [:]
        let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM sample ORDER BY time DESC, id DESC LIMIT ?", arguments: [scanLimit])
        while let row = try cursor.next() {
            let asset: String = row["asset"]
            guard windows[asset, default: []].count < perAsset else { continue }
            windows[asset, default: []].append(
                SampleRecord(asset: asset, time: row.date("time"), values: try SensorValuesCoding.decode(row["sensor_values"]), batch: row["batch"]))
        }
        return windows.mapValues { $0.reversed() }
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

    func samples(assets: [String], from: Date, to: Date) throws -> [SampleRecord] {
        guard !assets.isEmpty else { return [] }
        let wanted = Set(assets)
        var samples: [SampleRecord] = []
        // The time index narrows the scan; the asset test is cheaper in Swift than an IN list the index can't use.
        let cursor = try Row.fetchCursor(
            db, sql: "SELECT * FROM sample WHERE time >= ? AND time < ? ORDER BY time, id",
            arguments: [from.storedMilliseconds, to.storedMilliseconds])
        while let row = try cursor.next() {
            let asset: String = row["asset"]
            guard wanted.contains(asset) else { continue }
            samples.append(
                SampleRecord(asset: asset, time: row.date("time"), values: try SensorValuesCoding.decode(row["sensor_values"]), batch: row["batch"]))
        }
        return samples
    }

    func timeSpan() throws -> ClosedRange<Date>? {
        guard let row = try Row.fetchOne(db, sql: "SELECT MIN(time) AS first, MAX(time) AS last FROM sample"),
            let first = row.optionalDate("first"), let last = row.optionalDate("last")
        else { return nil }
        return first...last
    }
}
