/// A store failure, said in words an operator can act on.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable { case cannotOpen, migrationFailed, busy, unavailable, corrupt, invalid, failed }
    private let code: Code
    /// What went wrong.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The store's file cannot be opened or created.
    public static func cannotOpen(_ path: String, _ detail: String) -> StoreError {
        StoreError(.cannotOpen, "cannot open the store at \(path): \(detail)")
    }

    /// The schema could not be brought up to date.
    public static func migrationFailed(_ path: String, _ detail: String) -> StoreError {
        StoreError(.migrationFailed, "cannot migrate the store at \(path): \(detail)")
    }

    /// Another process holds the store's write lock for too long.
    public static func busy(_ path: String) -> StoreError {
        StoreError(.busy, "the store at \(path) stayed locked by another process for 10 s; try again")
    }

    /// The database server cannot be reached, or dropped the connection (it restarted, the network failed).
    public static func unavailable(_ location: String, _ detail: String) -> StoreError {
        StoreError(.unavailable, "cannot reach the store at \(location): \(detail); try again")
    }

    /// The file is damaged.
    public static func corrupt(_ path: String, _ detail: String) -> StoreError {
        StoreError(.corrupt, "the store at \(path) is damaged (\(detail)); restore it from a backup")
    }

    /// A row holds what no version of Sluice writes.
    public static func damagedRow(_ detail: String) -> StoreError {
        StoreError(.corrupt, "the store is damaged (\(detail)); restore it from a backup")
    }

    /// A write or read failed (the disk is full, the file is read-only, …).
    public static func failed(_ path: String, _ detail: String) -> StoreError {
        StoreError(.failed, "the store at \(path) failed: \(detail)")
    }

    /// Stored content cannot be read back.
    public static func invalid(_ detail: String) -> StoreError {
        StoreError(.invalid, "the store holds something unreadable: \(detail)")
    }

    /// The database could not be reached: worth trying again once it is back.
    var isUnavailable: Bool { code == .unavailable }

    public var description: String { message }
}
