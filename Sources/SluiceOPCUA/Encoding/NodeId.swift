public import Foundation
public import NIOCore

/// The identifier of a node in a server's address space: a namespace index and a numeric, string, GUID or
/// opaque identifier (Part 6, 5.2.2.9), written as `ns=2;s=Sensor.Temp`, `i=85`, `ns=1;g=…`, `ns=3;b=<base64>`.
public struct NodeId: Sendable, Hashable, CustomStringConvertible, OPCUACodable {
    /// The four kinds of identifier.
    public enum Identifier: Sendable, Hashable {
        /// A number (`i=`).
        case numeric(UInt32)
        /// A string (`s=`).
        case string(String)
        /// A GUID (`g=`).
        case guid(UUID)
        /// Opaque bytes (`b=`, base64 in text).
        case opaque([UInt8])
    }

    /// The namespace index (0: the OPC UA namespace).
    public var namespace: UInt16
    /// The identifier within the namespace.
    public var identifier: Identifier

    /// A node id.
    public init(namespace: UInt16 = 0, _ identifier: Identifier) {
        self.namespace = namespace
        self.identifier = identifier
    }

    /// A numeric node id.
    public init(namespace: UInt16 = 0, numeric: UInt32) { self.init(namespace: namespace, .numeric(numeric)) }

    /// A string node id.
    public init(namespace: UInt16, string: String) { self.init(namespace: namespace, .string(string)) }

    /// The null node id, `i=0`.
    public static let null = NodeId(numeric: 0)

    /// Whether this is the null node id.
    public var isNull: Bool { namespace == 0 && identifier == .numeric(0) }

    /// Parses the text form: an optional `ns=<index>;` and then `i=`, `s=`, `g=` or `b=`.
    public init(parsing text: String) throws(OPCUADecodingError) {
        var rest = Substring(text)
        var namespace: UInt16 = 0
        if rest.hasPrefix("ns=") {
            guard let semicolon = rest.firstIndex(of: ";"), let index = UInt16(rest[rest.index(rest.startIndex, offsetBy: 3)..<semicolon]) else {
                throw OPCUADecodingError("'\(text)' is not a node id: 'ns=' must be followed by a namespace index from 0 to 65535 and ';'")
            }
            namespace = index
            rest = rest[rest.index(after: semicolon)...]
        }
        guard rest.count >= 2, rest.dropFirst().first == "=" else {
            throw OPCUADecodingError("'\(text)' is not a node id: expected i=, s=, g= or b= (for example ns=2;s=Sensor.Temp or i=85)")
        }
        let value = String(rest.dropFirst(2))
        switch rest.first {
        case "i":
            guard let number = UInt32(value) else { throw OPCUADecodingError("'\(text)' is not a node id: i= takes a number from 0 to 4294967295") }
            self.init(namespace: namespace, .numeric(number))
        case "s":
            self.init(namespace: namespace, .string(value))
        case "g":
            guard let uuid = UUID(uuidString: value) else { throw OPCUADecodingError("'\(text)' is not a node id: g= takes a GUID") }
            self.init(namespace: namespace, .guid(uuid))
        case "b":
            guard let data = Data(base64Encoded: value) else { throw OPCUADecodingError("'\(text)' is not a node id: b= takes base64") }
            self.init(namespace: namespace, .opaque(Array(data)))
        default:
            throw OPCUADecodingError("'\(text)' is not a node id: expected i=, s=, g= or b= (for example ns=2;s=Sensor.Temp or i=85)")
        }
    }

    /// The text form, `ns=2;s=Sensor.Temp`.
    public var description: String {
        let prefix = namespace == 0 ? "" : "ns=\(namespace);"
        switch identifier {
        case .numeric(let n): return prefix + "i=\(n)"
        case .string(let s): return prefix + "s=" + s
        case .guid(let g): return prefix + "g=" + g.uuidString.lowercased()
        case .opaque(let b): return prefix + "b=" + Data(b).base64EncodedString()
        }
    }

    /// Appends the most compact encoding, with `flags` (ExpandedNodeId's) or'ed into the encoding byte.
    func encode(to buffer: inout ByteBuffer, flags: UInt8) {
        switch identifier {
        case .numeric(let n) where namespace == 0 && n <= 0xFF:
            buffer.writeUA(UInt8(0x00) | flags)
            buffer.writeUA(UInt8(n))
        case .numeric(let n) where namespace <= 0xFF && n <= 0xFFFF:
            buffer.writeUA(UInt8(0x01) | flags)
            buffer.writeUA(UInt8(namespace))
            buffer.writeUA(UInt16(n))
        case .numeric(let n):
            buffer.writeUA(UInt8(0x02) | flags)
            buffer.writeUA(namespace)
            buffer.writeUA(n)
        case .string(let s):
            buffer.writeUA(UInt8(0x03) | flags)
            buffer.writeUA(namespace)
            buffer.writeUA(string: s)
        case .guid(let g):
            buffer.writeUA(UInt8(0x04) | flags)
            buffer.writeUA(namespace)
            buffer.writeUA(Guid(g))
        case .opaque(let b):
            buffer.writeUA(UInt8(0x05) | flags)
            buffer.writeUA(namespace)
            buffer.writeUA(byteString: b)
        }
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) { encode(to: &buffer, flags: 0) }

    /// Reads the identifier after an encoding byte already read (its low six bits give the form).
    init(form: UInt8, from reader: inout OPCUAReader) throws(OPCUADecodingError) {
        switch form & 0x3F {
        case 0x00: self.init(numeric: UInt32(try reader.read(UInt8.self, "a two-byte node id")))
        case 0x01:
            let ns = try reader.read(UInt8.self, "a four-byte node id")
            self.init(namespace: UInt16(ns), numeric: UInt32(try reader.read(UInt16.self, "a four-byte node id")))
        case 0x02:
            let ns = try reader.read(UInt16.self, "a numeric node id")
            self.init(namespace: ns, numeric: try reader.read(UInt32.self, "a numeric node id"))
        case 0x03:
            let ns = try reader.read(UInt16.self, "a string node id")
            self.init(namespace: ns, .string(try reader.readString("a string node id") ?? ""))
        case 0x04:
            let ns = try reader.read(UInt16.self, "a GUID node id")
            self.init(namespace: ns, .guid(try reader.read(Guid.self).uuid))
        case 0x05:
            let ns = try reader.read(UInt16.self, "an opaque node id")
            self.init(namespace: ns, .opaque(try reader.readByteString("an opaque node id") ?? []))
        default:
            throw OPCUADecodingError("a node id has the unknown encoding 0x\(String(form, radix: 16))")
        }
    }

    /// Reads the binary encoding.
    public init(from reader: inout OPCUAReader) throws(OPCUADecodingError) {
        let form = try reader.read(UInt8.self, "a node id")
        guard form & 0xC0 == 0 else { throw OPCUADecodingError("a node id has the expanded-node-id flags 0x\(String(form, radix: 16))") }
        try self.init(form: form, from: &reader)
    }
}

/// A node id that may name its namespace by URI and its server by index (Part 6, 5.2.2.10).
public struct ExpandedNodeId: Sendable, Hashable, CustomStringConvertible, OPCUACodable {
    /// The node id (its namespace index is 0 when ``namespaceURI`` is set).
    public var nodeId: NodeId
    /// The namespace by URI, when given.
    public var namespaceURI: String?
    /// The server by index in the server table (0: this server).
    public var serverIndex: UInt32

    /// An expanded node id.
    public init(_ nodeId: NodeId, namespaceURI: String? = nil, serverIndex: UInt32 = 0) {
        self.nodeId = nodeId
        self.namespaceURI = namespaceURI
        self.serverIndex = serverIndex
    }

    /// The text form: `svr=1;nsu=urn:x;s=…` as needed, else the node id's.
    public var description: String {
        var text = serverIndex == 0 ? "" : "svr=\(serverIndex);"
        if let namespaceURI {
            var plain = nodeId
            plain.namespace = 0
            text += "nsu=\(namespaceURI);" + plain.description
        } else {
            text += nodeId.description
        }
        return text
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        nodeId.encode(to: &buffer, flags: (namespaceURI != nil ? 0x80 : 0) | (serverIndex != 0 ? 0x40 : 0))
        if let namespaceURI { buffer.writeUA(string: namespaceURI) }
        if serverIndex != 0 { buffer.writeUA(serverIndex) }
    }

    /// Reads the binary encoding.
    public init(from reader: inout OPCUAReader) throws(OPCUADecodingError) {
        let form = try reader.read(UInt8.self, "an expanded node id")
        nodeId = try NodeId(form: form, from: &reader)
        namespaceURI = form & 0x80 != 0 ? try reader.readString("a namespace URI") : nil
        serverIndex = form & 0x40 != 0 ? try reader.read(UInt32.self, "a server index") : 0
    }
}

/// A GUID in its binary encoding: Data1–Data3 little-endian, Data4 as bytes.
struct Guid: OPCUACodable, Hashable {
    var uuid: UUID

    init(_ uuid: UUID) { self.uuid = uuid }

    func encode(to buffer: inout ByteBuffer) {
        let b = uuid.uuid
        buffer.writeBytes([b.3, b.2, b.1, b.0, b.5, b.4, b.7, b.6, b.8, b.9, b.10, b.11, b.12, b.13, b.14, b.15])
    }

    init(from reader: inout OPCUAReader) throws(OPCUADecodingError) {
        let b = try reader.readBytes(16, "a GUID")
        uuid = UUID(uuid: (b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }
}
