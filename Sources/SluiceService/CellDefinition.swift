public import Foundation
public import SluiceReplenishment

/// A production cell as Sluice knows it: its assets and their sensors, its materials, and where its
/// approved actions go.
public struct CellDefinition: Sendable, Equatable {
    /// One sensor's unit and physical range; a value outside the range is refused at ingest.
    public struct Sensor: Sendable, Equatable, Codable {
        /// The variable's name.
        public var name: String
        /// Its unit.
        public var unit: String
        /// The least physically possible value, if there is one.
        public var minimum: Double?
        /// The greatest physically possible value, if there is one.
        public var maximum: Double?

        /// A sensor.
        public init(name: String, unit: String = "", minimum: Double? = nil, maximum: Double? = nil) {
            self.name = name
            self.unit = unit
            self.minimum = minimum
            self.maximum = maximum
        }
    }

    /// One machine of the cell.
    public struct Asset: Sendable, Equatable, Codable {
        /// Its id, as telemetry names it.
        public var id: String
        /// The name its anomaly models are filed under in `Models/` (its id unless several assets share one).
        public var model: String
        /// The sensors it reports.
        public var sensors: [String]

        /// An asset.
        public init(id: String, model: String? = nil, sensors: [String]) {
            self.id = id
            self.model = model ?? id
            self.sensors = sensors
        }
    }

    /// The ERP/MES endpoint approved actions are sent to.
    public struct Connector: Sendable, Equatable, Codable {
        /// The base URL; each mapping posts to its own path under it.
        public var url: String

        /// A connector.
        public init(url: String) {
            self.url = url
        }
    }

    /// The cell's id.
    public var id: String
    /// How often assets are expected to report.
    public var samplePeriod: TimeInterval
    /// How long a sensor's last value counts as fresh for coverage (5 sample periods by default).
    public var freshness: TimeInterval
    /// The assets.
    public var assets: [Asset]
    /// Every sensor by name.
    public var sensors: [String: Sensor]
    /// The materials, with their starting inventory and demand history.
    public var materials: [MaterialState]
    /// Where approved actions go, if anywhere yet.
    public var connector: Connector?
    /// What the sponsor's report compares the cell against.
    public var report: ReportSettings

    /// A cell.
    public init(
        id: String, samplePeriod: TimeInterval = 1, freshness: TimeInterval? = nil, assets: [Asset], sensors: [String: Sensor],
        materials: [MaterialState] = [], connector: Connector? = nil, report: ReportSettings = ReportSettings()
    ) {
        self.id = id
        self.samplePeriod = samplePeriod
        self.freshness = freshness ?? 5 * samplePeriod
        self.assets = assets
        self.sensors = sensors
        self.materials = materials
        self.connector = connector
        self.report = report
    }
}
