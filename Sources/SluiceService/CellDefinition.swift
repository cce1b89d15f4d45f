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

    /// An OPC UA server the cell's telemetry is read from, and which of its nodes feed which sensor.
    public struct OPCUASource: Sendable, Equatable {
        /// One node feeding one sensor of one asset.
        public struct Mapping: Sendable, Equatable {
            /// The node, in OPC UA's text form (`ns=2;s=Sensor.Temp`).
            public var node: String
            /// The asset.
            public var asset: String
            /// The sensor.
            public var sensor: String

            /// A mapping.
            public init(node: String, asset: String, sensor: String) {
                self.node = node
                self.asset = asset
                self.sensor = sensor
            }
        }

        /// The endpoint, `opc.tcp://host[:port][/path]`.
        public var endpoint: String
        /// The user, nil for anonymous.
        public var user: String?
        /// The environment variable holding the user's password.
        public var passwordEnvironment: String?
        /// The file holding the user's password.
        public var passwordFile: String?
        /// How often the server sends what changed, in seconds.
        public var publishingInterval: TimeInterval
        /// How often the server samples each node, in seconds (nil: the publishing interval).
        public var samplingInterval: TimeInterval?
        /// Message security: `none`, `sign` or `sign-and-encrypt` (Basic256Sha256).
        public var security: String
        /// The PKI folder with the client's certificate (`own/`) and the trusted server certificates (`trusted/`).
        public var pki: String
        /// The nodes.
        public var nodes: [Mapping]

        /// A source.
        public init(
            endpoint: String, user: String? = nil, passwordEnvironment: String? = nil, passwordFile: String? = nil,
            publishingInterval: TimeInterval = 1, samplingInterval: TimeInterval? = nil, security: String = "none", pki: String = "pki",
            nodes: [Mapping]
        ) {
            self.endpoint = endpoint
            self.user = user
            self.passwordEnvironment = passwordEnvironment
            self.passwordFile = passwordFile
            self.publishingInterval = publishingInterval
            self.samplingInterval = samplingInterval
            self.security = security
            self.pki = pki
            self.nodes = nodes
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
    /// OPC UA servers the cell's telemetry is read from.
    public var opcua: [OPCUASource]

    /// A cell.
    public init(
        id: String, samplePeriod: TimeInterval = 1, freshness: TimeInterval? = nil, assets: [Asset], sensors: [String: Sensor],
        materials: [MaterialState] = [], connector: Connector? = nil, report: ReportSettings = ReportSettings(), opcua: [OPCUASource] = []
    ) {
        self.id = id
        self.samplePeriod = samplePeriod
        self.freshness = freshness ?? 5 * samplePeriod
        self.assets = assets
        self.sensors = sensors
        self.materials = materials
        self.connector = connector
        self.report = report
        self.opcua = opcua
    }
}
