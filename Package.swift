// swift-tools-version: 6.1
import PackageDescription

/// Settings shared by every Swift target: Swift 6 language mode with strict concurrency.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        .library(name: "SluiceLinearAlgebra", targets: ["SluiceLinearAlgebra"]),
        .library(name: "SluiceAnomaly", targets: ["SluiceAnomaly"]),
        .library(name: "SluiceTelemetry", targets: ["SluiceTelemetry"]),
        .library(name: "SluiceSimulation", targets: ["SluiceSimulation"]),
        .library(name: "SluiceReplenishment", targets: ["SluiceReplenishment"]),
        .library(name: "SluiceStatistics", targets: ["SluiceStatistics"]),
        .library(name: "SluiceGates", targets: ["SluiceGates"]),
        .library(name: "SluiceBenchmarks", targets: ["SluiceBenchmarks"]),
        .library(name: "SluiceStore", targets: ["SluiceStore"]),
        .library(name: "SluiceService", targets: ["SluiceService"]),
        .library(name: "SluiceServer", targets: ["SluiceServer"]),
        .library(name: "SluiceMQTT", targets: ["SluiceMQTT"]),
        .library(name: "SluiceOPCUA", targets: ["SluiceOPCUA"]),
        .library(name: "SluiceWeb", targets: ["SluiceWeb"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // OpenBLAS (CBLAS) and LAPACKE from Debian's libopenblas-dev and liblapacke-dev.
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        // The only module that imports COpenBLAS: a row-major Matrix and checked BLAS/LAPACK calls.
        .target(
            name: "SluiceLinearAlgebra",
            dependencies: ["COpenBLAS"],
            swiftSettings: swiftSettings
        ),
        // Distribution functions and quantiles shared by the models and the policies.
        .target(
            name: "SluiceStatistics",
            swiftSettings: swiftSettings
        ),
        // Demand forecasts and inventory policies that turn a material's state into a proposed order.
        .target(
            name: "SluiceReplenishment",
            dependencies: ["SluiceLinearAlgebra", "SluiceStatistics"],
            swiftSettings: swiftSettings
        ),
        // The gate engine: definitions, canary bucketing, the false-positive judge and the stage machine.
        .target(
            name: "SluiceGates",
            dependencies: ["SluiceStatistics", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // Telemetry as it arrives: tables and their CSV format (errors name file, line and column), request bodies and
        // their one-pass JSON parser, and the JSON value type for details whose fields vary.
        .target(
            name: "SluiceTelemetry",
            dependencies: ["SluiceLinearAlgebra", "SluiceStatistics"],
            swiftSettings: swiftSettings
        ),
        // Anomaly models (Hotelling T², PCA T²+Q, MSET), their control limits and artifacts.
        .target(
            name: "SluiceAnomaly",
            dependencies: [
                "SluiceLinearAlgebra",
                "SluiceStatistics",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The seeded, labelled simulation of a production cell.
        .target(
            name: "SluiceSimulation",
            dependencies: ["SluiceLinearAlgebra", "SluiceTelemetry"],
            swiftSettings: swiftSettings
        ),
        // Benchmarks: the SKAB protocol (F1/FAR/MAR and NAB), generalisation, scoring speed, gates and replenishment.
        .target(
            name: "SluiceBenchmarks",
            dependencies: [
                "SluiceAnomaly", "SluiceGates", "SluiceLinearAlgebra", "SluiceReplenishment", "SluiceSimulation", "SluiceStatistics",
                "SluiceTelemetry",
            ],
            swiftSettings: swiftSettings
        ),
        // The store: SQLite through GRDB or PostgreSQL through postgres-nio, versioned migrations, one repository
        // protocol per table, the audit chain.
        .target(
            name: "SluiceStore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Mosquitto's client library from Debian's libmosquitto-dev.
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        // MQTT subscriber and publisher over libmosquitto.
        .target(
            name: "SluiceMQTT",
            dependencies: ["CMosquitto"],
            swiftSettings: swiftSettings
        ),
        // An OPC UA client on SwiftNIO: the binary encoding, UA TCP, secure channels (None, Basic256Sha256 through
        // swift-crypto and swift-certificates), sessions, browsing, reading and subscriptions (Parts 4 and 6), with no
        // C of its own and no dependency on the service.
        .target(
            name: "SluiceOPCUA",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings
        ),
        // The fuzz target of the OPC UA client's inbound path: libFuzzer's entry when built by
        // scripts/fuzz-opcua.sh, otherwise a replayer of saved inputs.
        // What the fuzz targets share: libFuzzer's entry, and the replay of saved inputs.
        .target(name: "FuzzSupport", path: "Fuzz/FuzzSupport", swiftSettings: swiftSettings),
        .executableTarget(
            name: "OPCUAFuzzInbound",
            dependencies: ["FuzzSupport", "SluiceOPCUA", .product(name: "NIOCore", package: "swift-nio")],
            path: "Fuzz/OPCUAFuzzInbound",
            swiftSettings: swiftSettings
        ),
        // The fuzz target of the telemetry body parser: libFuzzer's entry when built by scripts/fuzz-telemetry.sh,
        // otherwise a replayer of saved inputs.
        .executableTarget(
            name: "TelemetryFuzz",
            dependencies: ["FuzzSupport", "SluiceTelemetry"],
            path: "Fuzz/TelemetryFuzz",
            swiftSettings: swiftSettings
        ),
        // The decision service: ingest, twin state, the pipeline to soft actions, decisions, dispatch, audit, tokens.
        .target(
            name: "SluiceService",
            dependencies: [
                "SluiceAnomaly", "SluiceGates", "SluiceLinearAlgebra", "SluiceOPCUA", "SluiceReplenishment", "SluiceStatistics", "SluiceStore",
                "SluiceTelemetry",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP API over the decision service (Hummingbird): routes, roles, the event stream, metrics.
        .target(
            name: "SluiceWeb",
            dependencies: ["SluiceService", "SluiceStore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SluiceServer",
            dependencies: [
                "SluiceGates", "SluiceMQTT", "SluiceOPCUA", "SluiceService", "SluiceStore", "SluiceTelemetry", "SluiceWeb",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        // Helpers shared by the tests: a test cell, a manual clock, and the real peers they run beside (Mosquitto,
        // PostgreSQL, OPC UA servers, a TCP proxy that plays network outages).
        .target(
            name: "SluiceTestSupport",
            dependencies: [
                "SluiceAnomaly", "SluiceGates", "SluiceReplenishment", "SluiceService", "SluiceSimulation", "SluiceTelemetry",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `sluice` command: a thin shell over the libraries.
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceAnomaly",
                "SluiceBenchmarks",
                "SluiceGates",
                "SluiceLinearAlgebra",
                "SluiceReplenishment",
                "SluiceSimulation",
                "SluiceStatistics",
                "SluiceOPCUA",
                "SluiceServer",
                "SluiceService",
                "SluiceStore",
                "SluiceTelemetry",
                "SluiceWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceLinearAlgebraTests",
            dependencies: ["SluiceLinearAlgebra", .product(name: "Numerics", package: "swift-numerics")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceReplenishmentTests",
            dependencies: ["SluiceReplenishment", "SluiceStatistics", .product(name: "Numerics", package: "swift-numerics")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceGatesTests",
            dependencies: ["SluiceGates", "SluiceStatistics", .product(name: "Numerics", package: "swift-numerics")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceTelemetryTests",
            dependencies: ["SluiceTelemetry"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceAnomalyTests",
            dependencies: [
                "SluiceAnomaly", "SluiceLinearAlgebra", "SluiceSimulation", "SluiceStatistics", "SluiceTelemetry",
                .product(name: "Numerics", package: "swift-numerics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceSimulationTests",
            dependencies: ["SluiceSimulation", "SluiceTelemetry"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceCLITests",
            dependencies: [
                "sluice", "SluiceMQTT", "SluiceServer", "SluiceService", "SluiceStore", "SluiceTelemetry", "SluiceTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceStoreTests",
            dependencies: ["SluiceStore", "SluiceTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceServiceTests",
            dependencies: [
                "SluiceAnomaly", "SluiceGates", "SluiceService", "SluiceSimulation", "SluiceStore", "SluiceTelemetry", "SluiceTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceWebTests",
            dependencies: ["SluiceGates", "SluiceService", "SluiceStore", "SluiceTestSupport", "SluiceWeb"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceServerTests",
            dependencies: [
                "SluiceGates", "SluiceMQTT", "SluiceServer", "SluiceService", "SluiceStore", "SluiceTelemetry", "SluiceTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceOPCUATests",
            dependencies: ["SluiceOPCUA", "SluiceTestSupport", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceMQTTTests",
            dependencies: ["SluiceMQTT", "SluiceTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceBenchmarksTests",
            dependencies: ["SluiceBenchmarks", "SluiceAnomaly", "SluiceReplenishment", "SluiceSimulation", "SluiceTelemetry"],
            // Case files are read from their path, not bundled.
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
    ]
)
