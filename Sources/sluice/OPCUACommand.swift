import ArgumentParser
import Foundation
import Logging
import SluiceOPCUA

struct OPCUACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opcua",
        abstract: "Look into an OPC UA server: browse its address space, read values, watch them change.",
        discussion: """
            ENDPOINT is the server's URL, opc.tcp://host[:port][/path] (port 4840 when none is given). Nodes are \
            written as OPC UA writes them: ns=2;s=Sensor.Temp, i=85, ns=1;g=<guid>, ns=3;b=<base64>.

            Security: --security none (the default), sign or sign-and-encrypt, both with SecurityPolicy \
            Basic256Sha256. These need the client's certificate and key (`sluice opcua certificate` makes them in \
            --pki) and the server's certificate in <pki>/trusted; a server whose certificate is not there is refused \
            with its thumbprint, and its certificate saved in <pki>/rejected to move into trusted once checked. \
            The server in turn must trust <pki>/own/certificate.der.

            Sluice connects as anonymous or as --user, whose password comes from the file --password-file or the \
            environment variable SLUICE_OPCUA_PASSWORD, never from the command line.
            """,
        subcommands: [
            OPCUABrowseCommand.self, OPCUAReadCommand.self, OPCUAWatchCommand.self, OPCUAMappingCommand.self, OPCUACertificateCommand.self,
        ])
}

/// The options every `sluice opcua` command shares: the endpoint and the user.
struct OPCUAConnectionOptions: ParsableArguments {
    @Argument(help: "The server's endpoint, opc.tcp://host[:port][/path].") var endpoint: String
    @Option(help: "User name (anonymous when not given).") var user: String?
    @Option(help: "File holding the user's password (else SLUICE_OPCUA_PASSWORD).") var passwordFile: String?
    @Option(help: "Seconds to wait for each answer.") var timeout = 10.0
    @Option(help: "Message security: none, sign or sign-and-encrypt (Basic256Sha256).") var security = "none"
    @Option(help: "The folder of the client's certificate (own/), trusted server certificates (trusted/) and rejected ones.")
    var pki = "pki"

    func configuration() throws -> OPCUAClient.Configuration {
        var identity = OPCUAClient.Identity.anonymous
        if let user {
            let password: String
            if let passwordFile {
                guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                    throw ValidationError("cannot read the password file \(passwordFile)")
                }
                password = text.trimmingCharacters(in: .newlines)
            } else if let text = Setting.text(nil, "SLUICE_OPCUA_PASSWORD") {
                password = text
            } else {
                throw ValidationError("--user \(user) needs a password: give --password-file or set SLUICE_OPCUA_PASSWORD")
            }
            identity = .userName(user, password: password)
        }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
        var configuration = OPCUAClient.Configuration(endpoint: endpoint, identity: identity)
        configuration.requestTimeout = .milliseconds(Int64(timeout * 1000))
        configuration.security = try Self.security(security, pki: pki)
        return configuration
    }

    /// The security for `mode` with the certificate, key and trust list under `pki`.
    static func security(_ mode: String, pki: String) throws -> OPCUAClient.Security {
        guard OPCUAClient.Security.modeNames[mode] != nil else {
            throw ValidationError("--security is none, sign or sign-and-encrypt, not '\(mode)'")
        }
        return try OPCUAClient.Security(named: mode, pki: pki)
    }

    static func nodes(_ texts: [String]) throws -> [NodeId] {
        try texts.map { text in
            do { return try NodeId(parsing: text) } catch { throw ValidationError("\(error)") }
        }
    }
}

/// The logger of the `opcua` commands: warnings only, on standard error.
private let quietLogger: Logger = {
    var logger = Logger(label: "sluice.opcua")
    logger.logLevel = .warning
    return logger
}()

struct OPCUABrowseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "browse",
        abstract: "Print the address space under a node as a tree: node ids, names, classes, data types and units.",
        discussion: """
            Follows hierarchical references forward from --node (the Objects folder by default) down to --depth \
            levels. Each variable shows its data type and, where the server gives an EngineeringUnits property, \
            its unit. The node ids printed are what a connector mapping names.
            """)

    @OptionGroup var connection: OPCUAConnectionOptions
    @Option(help: "Where to start (default: the Objects folder, i=85).") var node = "i=85"
    @Option(help: "How many levels to descend.") var depth = 3

    func run() async throws {
        try await reportingErrors {
            let start = try OPCUAConnectionOptions.nodes([node])[0]
            guard depth >= 1 else { throw ValidationError("--depth must be at least 1") }
            try await OPCUAClient.withSession(try connection.configuration(), logger: quietLogger) { session in
                print(start.description)
                try await walk(session, start, level: 1, indent: "")
            }
        }
    }

    private func walk(_ session: OPCUASession, _ node: NodeId, level: Int, indent: String) async throws {
        let children = try await session.browse(node).filter { $0.isForward && $0.nodeId.serverIndex == 0 && $0.nodeId.namespaceURI == nil }
        for (index, child) in children.enumerated() {
            let last = index == children.count - 1
            var line = "\(indent)\(last ? "└─" : "├─") \(child.displayName) [\(child.targetClass)] \(child.nodeId.nodeId)"
            if child.targetClass == .variable {
                line += try await variableDetails(session, child.nodeId.nodeId)
            }
            print(line)
            if level < depth, child.targetClass == .object || child.targetClass == .variable {
                try await walk(session, child.nodeId.nodeId, level: level + 1, indent: indent + (last ? "   " : "│  "))
            }
        }
    }

    /// `: Double, °C = 21.5` from the DataType attribute, the EngineeringUnits property and the value.
    private func variableDetails(_ session: OPCUASession, _ node: NodeId) async throws -> String {
        let values = try await session.read([node, node], attribute: .dataType)
        var text = ""
        if case .nodeId(let type) = values[0].value {
            text = ": " + (type.namespace == 0 && (1...25).contains(Self.numeric(type)) ? Variant.typeNames[Self.numeric(type)] : type.description)
        }
        if let information = try await session.engineeringUnits(of: node) { text += ", \(information.displayName)" }
        return text
    }

    private static func numeric(_ node: NodeId) -> Int {
        if case .numeric(let n) = node.identifier { return Int(n) }
        return 0
    }
}

struct OPCUAMappingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mapping",
        abstract: "Write the skeleton of a cell's opcua section: every numeric variable under a node, as asset and sensor.",
        discussion: """
            Browses down from --under (--depth levels) and lists each variable whose data type is a number or a \
            Boolean as a node of the section, named after the object holding it (the asset) and its own display name \
            (the sensor), with its unit where the server gives EngineeringUnits. Edit the names to the cell's assets \
            and sensors, drop what the models should not see, and paste it into the cell file; the commented assets \
            list beside it matches the names as written.
            """)

    @OptionGroup var connection: OPCUAConnectionOptions
    @Option(help: "The node to start from, such as ns=2;s=Cell.") var under: String
    @Option(help: "The cell the mapping is for.") var cell: String
    @Option(help: "How many levels to descend.") var depth = 3
    @Option(help: "Write to this file instead of standard output.") var out: String?

    func run() async throws {
        try await reportingErrors {
            let start = try OPCUAConnectionOptions.nodes([under])[0]
            guard depth >= 1 else { throw ValidationError("--depth must be at least 1") }
            let configuration = try connection.configuration()
            let found = try await OPCUAClient.withSession(configuration, logger: quietLogger) { session in
                var found: [(node: NodeId, asset: String, sensor: String, unit: String?)] = []
                var queue: [(NodeId, String, Int)] = [(start, "", 0)]
                while !queue.isEmpty {
                    let (node, parentName, level) = queue.removeFirst()
                    for child in try await session.browse(node)
                    where child.isForward && child.nodeId.serverIndex == 0 && child.nodeId.namespaceURI == nil {
                        let id = child.nodeId.nodeId
                        let name = Self.slug(child.displayName.description)
                        if child.targetClass == .variable, let (numeric, unit) = try await Self.numericUnit(session, id), numeric {
                            found.append((id, parentName.isEmpty ? Self.slug(start.description) : parentName, name, unit))
                        }
                        if level + 1 < depth, child.targetClass == .object { queue.append((id, name, level + 1)) }
                    }
                }
                return found
            }
            guard !found.isEmpty else {
                throw ValidationError("no numeric variable under \(under) within \(depth) levels; try a higher --depth or another --under")
            }
            var text = """
                # The opcua section of cell \(cell): \(found.count) numeric variables under \(under) on \(connection.endpoint).
                # Rename assets and sensors to the cell's, keep the nodes the models should see, and paste it into the cell file.

                """
            var assets: [String: [String]] = [:]
            for item in found { assets[item.asset, default: []].append(item.sensor) }
            text +=
                "# assets:\n"
                + assets.keys.sorted().map { "#   - id: \($0)\n#     sensors: [\(assets[$0]!.joined(separator: ", "))]" }.joined(separator: "\n")
                + "\n"
            text += "opcua:\n  - endpoint: \(connection.endpoint)\n"
            if connection.security != "none" { text += "    security: \(connection.security)\n    pki: \(connection.pki)\n" }
            if let user = connection.user { text += "    user: \(user)\n    password_env: SLUICE_OPCUA_PASSWORD\n" }
            text += "    publishing_interval: 1s\n    nodes:\n"
            for item in found {
                let unit = item.unit.map { ", unit: \"\($0)\"" } ?? ""
                text += "      - {node: \"\(item.node)\", asset: \(item.asset), sensor: \(item.sensor)\(unit)}\n"
            }
            if let out {
                try text.write(toFile: out, atomically: true, encoding: .utf8)
                printError("wrote \(found.count) nodes to \(out)")
            } else {
                print(text, terminator: "")
            }
        }
    }

    /// Whether a variable's data type is a number or a Boolean (built-in types 1 to 11), and its unit.
    static func numericUnit(_ session: OPCUASession, _ node: NodeId) async throws -> (Bool, String?)? {
        guard case .nodeId(let type) = try await session.read([node], attribute: .dataType)[0].value else { return nil }
        guard type.namespace == 0, case .numeric(let n) = type.identifier, (1...11).contains(n) else { return (false, nil) }
        return (true, try await session.engineeringUnits(of: node)?.displayName.description)
    }

    /// `Temp Sensor 1` → `temp-sensor-1`: lower case, letters and digits, dashes between.
    static func slug(_ text: String) -> String {
        let words = text.lowercased().split { !($0.isLetter || $0.isNumber) }
        return words.isEmpty ? "unnamed" : words.joined(separator: "-")
    }
}

struct OPCUACertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificate",
        abstract: "Make the client's application instance certificate and private key for secure OPC UA connections.",
        discussion: """
            Writes <pki>/own/certificate.der (self-signed, RSA 2048, SHA-256, valid for --years, with the application \
            URI and the host name as subject alternative names) and <pki>/own/private-key.pem (readable by its owner \
            only), and creates <pki>/trusted for the servers' certificates. Give certificate.der to the OPC UA server's \
            administrator to trust. An existing certificate is kept unless --force.
            """)

    @Option(help: "The PKI folder.") var pki = "pki"
    @Option(help: "The application URI; servers check that the client announces the one its certificate carries.")
    var applicationURI = "urn:sluice:opcua-client"
    @Option(help: "The host name in the certificate.") var host = ProcessInfo.processInfo.hostName
    @Option(help: "Years of validity.") var years = 5
    @Flag(help: "Replace an existing certificate and key.") var force = false

    func run() async throws {
        try await reportingErrors {
            guard (1...30).contains(years) else { throw ValidationError("--years must be from 1 to 30") }
            let certificateFile = OPCUAClient.Security.certificateFile(pki: pki)
            let keyFile = OPCUAClient.Security.privateKeyFile(pki: pki)
            if FileManager.default.fileExists(atPath: certificateFile), !force {
                let existing = try ApplicationCertificate(certificateFile: certificateFile, privateKeyFile: keyFile)
                print("kept \(certificateFile) (\(existing.applicationURI), SHA-1 thumbprint \(existing.thumbprint)); --force makes a new one")
                return
            }
            for folder in [(keyFile as NSString).deletingLastPathComponent, OPCUAClient.Security.trustedFolder(pki: pki)] {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            let certificate = try ApplicationCertificate(applicationURI: applicationURI, commonName: "Sluice", hostName: host, years: years)
            try certificate.write(certificateFile: certificateFile, privateKeyFile: keyFile)
            print(
                """
                wrote \(certificateFile) and \(keyFile): \(applicationURI), host \(host), SHA-1 thumbprint \(certificate.thumbprint)
                next: have the OPC UA server trust \(certificateFile), and put the server's certificate in \(pki)/trusted
                """)
        }
    }
}

struct OPCUAReadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Read the current value of nodes: value, status, source and server timestamps.")

    @OptionGroup var connection: OPCUAConnectionOptions
    @Argument(help: "Nodes to read, such as ns=2;s=Sensor.Temp.") var nodes: [String]

    func run() async throws {
        try await reportingErrors {
            guard !nodes.isEmpty else { throw ValidationError("name at least one node, such as ns=2;s=Sensor.Temp") }
            let ids = try OPCUAConnectionOptions.nodes(nodes)
            try await OPCUAClient.withSession(try connection.configuration(), logger: quietLogger) { session in
                let values = try await session.read(ids)
                for (node, value) in zip(ids, values) {
                    print(OPCUAWatchCommand.line(node, value))
                }
            }
        }
    }
}

struct OPCUAWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Subscribe to nodes and print each value change as it arrives, until interrupted.",
        discussion: """
            One line per change: the node, the value, its status and its source timestamp. The server samples \
            each node every --sampling milliseconds and sends what changed every --interval milliseconds.
            """)

    @OptionGroup var connection: OPCUAConnectionOptions
    @Argument(help: "Nodes to watch, such as ns=2;s=Sensor.Temp.") var nodes: [String]
    @Option(help: "Publishing interval in milliseconds.") var interval = 500.0
    @Option(help: "Sampling interval in milliseconds (-1: the publishing interval).") var sampling = -1.0
    @Option(help: "Stop after this many changes (0: run until interrupted).") var count = 0

    func run() async throws {
        try await reportingErrors {
            guard !nodes.isEmpty else { throw ValidationError("name at least one node, such as ns=2;s=Sensor.Temp") }
            guard interval > 0 else { throw ValidationError("--interval must be positive") }
            let ids = try OPCUAConnectionOptions.nodes(nodes)
            let limit = count
            try await OPCUAClient.withSession(try connection.configuration(), logger: quietLogger) { session in
                let subscription = try await session.subscribe(ids, publishingInterval: interval, samplingInterval: sampling)
                for item in subscription.items where item.status.isBad {
                    printError("warning: \(item.nodeId) cannot be watched: \(item.status)")
                }
                var seen = 0
                watching: for await changes in subscription.changes {
                    for change in changes {
                        print(Self.line(change.nodeId, change.value))
                        seen += 1
                        if limit > 0, seen >= limit { break watching }
                    }
                }
            }
        }
    }

    /// `ns=2;s=Sensor.Temp = 21.5 Good source 2026-…Z server 2026-…Z`.
    static func line(_ node: NodeId, _ value: DataValue) -> String {
        var text = "\(node) = \(value.value) \(value.status.name)"
        if let source = value.sourceTimestamp, source.isSet { text += " source \(source)" }
        if let server = value.serverTimestamp, server.isSet { text += " server \(server)" }
        return text
    }
}
