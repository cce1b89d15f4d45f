import Foundation
import GRDB
import Testing

@testable import SluiceStore

/// The audit log against tampering done to the database file itself, behind Sluice's back.
@Suite struct AuditChainTests {
    /// A store file holding `count` audit records, closed, with its path.
    private func logFile(records count: Int) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-audit-\(UUID().uuidString).sqlite").path
        let store = try SQLiteStore(path: path)
        try store.write { session in
            for i in 1...count {
                try session.audit.append(
                    AuditEntry(
                        time: Date(timeIntervalSince1970: 1_800_000_000 + Double(i)), actor: "olivia", role: "operator", event: "action.approved",
                        subject: "act-\(i)", cell: "cell-a", correlationID: "corr-\(i)", details: "{\"quantity\":\(i * 10)}"))
            }
        }
        try store.checkpoint()
        return path
    }

    private func verify(_ path: String) throws -> AuditVerification {
        let store = try SQLiteStore(path: path)
        let checkpoint = try store.read { try $0.audit.checkpoint() }
        let records = try store.read { try $0.audit.records(from: 1, limit: 1_000) }
        return AuditVerification.verify(records, checkpoint: checkpoint)
    }

    /// Opens the file directly, as someone with access to the disk would, and lifts the append-only guard.
    private func tamper(_ path: String, _ sql: String) throws {
        let db = try DatabaseQueue(path: path)
        try db.write { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS audit_is_append_only_update; DROP TRIGGER IF EXISTS audit_is_append_only_delete")
            try db.execute(sql: sql)
        }
    }

    @Test func anUntouchedLogVerifies() throws {
        let result = try verify(try logFile(records: 20))
        #expect(result.intact)
        #expect(result.checked == 20)
        #expect(result.checkpoint.size == 20)
    }

    @Test func theLogRefusesUpdatesAndDeletesThroughSQL() throws {
        let path = try logFile(records: 3)
        let db = try DatabaseQueue(path: path)
        #expect(throws: DatabaseError.self) { try db.write { try $0.execute(sql: "UPDATE audit SET actor = 'mallory' WHERE sequence = 2") } }
        #expect(throws: DatabaseError.self) { try db.write { try $0.execute(sql: "DELETE FROM audit WHERE sequence = 2") } }
    }

    @Test func anEditedRecordIsNamed() throws {
        let path = try logFile(records: 20)
        try tamper(path, "UPDATE audit SET details = '{\"quantity\":9999}' WHERE sequence = 7")
        let result = try verify(path)
        #expect(!result.intact)
        #expect(result.firstBadSequence == 7)
        #expect(result.problem?.contains("edited") == true)
    }

    @Test func anEditedRecordWithARecomputedHashBreaksTheNextLink() throws {
        let path = try logFile(records: 20)
        // A careful forger recomputes record 7's own hash; record 8 still points at the old one.
        let store = try SQLiteStore(path: path)
        var seven = try store.read { try $0.audit.records(from: 7, limit: 1) }[0]
        seven.entry.actor = "mallory"
        let forged = AuditChain.hash(sequence: 7, entry: seven.entry, previousHash: seven.previousHash)
        try tamper(path, "UPDATE audit SET actor = 'mallory', hash = '\(forged)' WHERE sequence = 7")
        let result = try verify(path)
        #expect(!result.intact)
        #expect(result.firstBadSequence == 8)
    }

    @Test func aDeletedRecordIsNamed() throws {
        let path = try logFile(records: 20)
        try tamper(path, "DELETE FROM audit WHERE sequence = 12")
        let result = try verify(path)
        #expect(!result.intact)
        #expect(result.firstBadSequence == 12)
        #expect(result.problem?.contains("deleted") == true)
    }

    @Test func deletingTheLastRecordsFallsShortOfTheCheckpoint() throws {
        let path = try logFile(records: 20)
        try tamper(path, "DELETE FROM audit WHERE sequence > 18")
        let result = try verify(path)
        #expect(!result.intact)
        #expect(result.firstBadSequence == 19)
    }

    @Test func reorderedRecordsAreNamed() throws {
        let path = try logFile(records: 20)
        // Swap the contents of records 5 and 6 (all but their sequence numbers).
        try tamper(
            path,
            """
            UPDATE audit SET sequence = -5 WHERE sequence = 5;
            UPDATE audit SET sequence = 5 WHERE sequence = 6;
            UPDATE audit SET sequence = 6 WHERE sequence = -5;
            """)
        let result = try verify(path)
        #expect(!result.intact)
        #expect(result.firstBadSequence == 5)
        #expect(result.problem?.contains("reordered") == true)
    }

    @Test func aByteFlippedInTheFileIsCaught() throws {
        let path = try logFile(records: 20)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        // Change one digit of record 13's quantity in the raw file: no SQL, no trigger.
        let needle = Data("{\"quantity\":130}".utf8)
        let range = try #require(bytes.range(of: needle))
        bytes[range.lowerBound + 12] = UInt8(ascii: "7")
        try bytes.write(to: URL(fileURLWithPath: path))
        let result = try verify(path)
        #expect(!result.intact)
        #expect(result.firstBadSequence == 13)
    }

    @Test func theCanonicalEncodingSeparatesFields() {
        let entry = AuditEntry(time: Date(timeIntervalSince1970: 0), actor: "ab", role: "c", event: "e", subject: "s")
        var shifted = entry
        shifted.actor = "a"
        shifted.role = "bc"
        #expect(
            AuditChain.hash(sequence: 1, entry: entry, previousHash: AuditChain.genesis)
                != AuditChain.hash(sequence: 1, entry: shifted, previousHash: AuditChain.genesis))
        var noCell = entry
        noCell.cell = ""
        #expect(
            AuditChain.hash(sequence: 1, entry: entry, previousHash: AuditChain.genesis)
                != AuditChain.hash(sequence: 1, entry: noCell, previousHash: AuditChain.genesis))
    }
}
