public import NIOCore

/// A value of any built-in type, a scalar or an array (Part 6, 5.2.2.16).
public indirect enum Variant: Sendable, Hashable, CustomStringConvertible, OPCUACodable {
    /// No value.
    case null
    /// Boolean (type 1).
    case boolean(Bool)
    /// SByte (2).
    case sbyte(Int8)
    /// Byte (3).
    case byte(UInt8)
    /// Int16 (4).
    case int16(Int16)
    /// UInt16 (5).
    case uint16(UInt16)
    /// Int32 (6).
    case int32(Int32)
    /// UInt32 (7).
    case uint32(UInt32)
    /// Int64 (8).
    case int64(Int64)
    /// UInt64 (9).
    case uint64(UInt64)
    /// Float (10).
    case float(Float)
    /// Double (11).
    case double(Double)
    /// String (12).
    case string(String?)
    /// DateTime (13).
    case dateTime(DateTime)
    /// Guid (14).
    case guid(NodeId.Identifier)
    /// ByteString (15).
    case byteString([UInt8]?)
    /// XmlElement (16).
    case xmlElement([UInt8]?)
    /// NodeId (17).
    case nodeId(NodeId)
    /// ExpandedNodeId (18).
    case expandedNodeId(ExpandedNodeId)
    /// StatusCode (19).
    case statusCode(StatusCode)
    /// QualifiedName (20).
    case qualifiedName(QualifiedName)
    /// LocalizedText (21).
    case localizedText(LocalizedText)
    /// ExtensionObject (22).
    case extensionObject(ExtensionObject)
    /// DataValue (23).
    case dataValue(DataValue)
    /// Variant (24), only inside arrays.
    case variant(Variant)
    /// DiagnosticInfo (25).
    case diagnosticInfo(DiagnosticInfo)
    /// An array of one built-in type, with its dimensions when it is a matrix.
    case array(type: UInt8, elements: [Variant], dimensions: [Int32]?)

    /// The built-in type id (1–25; 0 for null).
    public var typeId: UInt8 {
        switch self {
        case .null: 0
        case .boolean: 1
        case .sbyte: 2
        case .byte: 3
        case .int16: 4
        case .uint16: 5
        case .int32: 6
        case .uint32: 7
        case .int64: 8
        case .uint64: 9
        case .float: 10
        case .double: 11
        case .string: 12
        case .dateTime: 13
        case .guid: 14
        case .byteString: 15
        case .xmlElement: 16
        case .nodeId: 17
        case .expandedNodeId: 18
        case .statusCode: 19
        case .qualifiedName: 20
        case .localizedText: 21
        case .extensionObject: 22
        case .dataValue: 23
        case .variant: 24
        case .diagnosticInfo: 25
        case .array(let type, _, _): type
        }
    }

    /// The names of the built-in types by id, as OPC UA spells them.
    public static let typeNames = [
        "Null", "Boolean", "SByte", "Byte", "Int16", "UInt16", "Int32", "UInt32", "Int64", "UInt64", "Float", "Double", "String", "DateTime",
        "Guid", "ByteString", "XmlElement", "NodeId", "ExpandedNodeId", "StatusCode", "QualifiedName", "LocalizedText", "ExtensionObject",
        "DataValue", "Variant", "DiagnosticInfo",
    ]

    /// The value as a number, for numeric scalars and Booleans (1 or 0); nil otherwise. This is what a
    /// sensor reading becomes in the twin.
    public var number: Double? {
        switch self {
        case .boolean(let v): v ? 1 : 0
        case .sbyte(let v): Double(v)
        case .byte(let v): Double(v)
        case .int16(let v): Double(v)
        case .uint16(let v): Double(v)
        case .int32(let v): Double(v)
        case .uint32(let v): Double(v)
        case .int64(let v): Double(v)
        case .uint64(let v): Double(v)
        case .float(let v): Double(v)
        case .double(let v): v
        default: nil
        }
    }

    /// The value in text, arrays in brackets.
    public var description: String {
        switch self {
        case .null: "null"
        case .boolean(let v): "\(v)"
        case .sbyte(let v): "\(v)"
        case .byte(let v): "\(v)"
        case .int16(let v): "\(v)"
        case .uint16(let v): "\(v)"
        case .int32(let v): "\(v)"
        case .uint32(let v): "\(v)"
        case .int64(let v): "\(v)"
        case .uint64(let v): "\(v)"
        case .float(let v): "\(v)"
        case .double(let v): "\(v)"
        case .string(let v): v.map { "\"\($0)\"" } ?? "null"
        case .dateTime(let v): v.description
        case .guid(let v): NodeId(v).description
        case .byteString(let v), .xmlElement(let v): v.map { "\($0.count) bytes" } ?? "null"
        case .nodeId(let v): v.description
        case .expandedNodeId(let v): v.description
        case .statusCode(let v): v.description
        case .qualifiedName(let v): v.description
        case .localizedText(let v): v.description
        case .extensionObject(let v): "ExtensionObject(\(v.typeId))"
        case .dataValue(let v): v.value.description
        case .variant(let v): v.description
        case .diagnosticInfo: "DiagnosticInfo"
        case .array(_, let elements, _): "[" + elements.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        switch self {
        case .array(let type, let elements, let dimensions):
            buffer.writeUA(type | 0x80 | (dimensions != nil ? 0x40 : 0))
            buffer.writeUA(Int32(elements.count))
            for element in elements { element.encodeValue(to: &buffer) }
            if let dimensions { buffer.writeUA(integers: dimensions) }
        default:
            buffer.writeUA(typeId)
            encodeValue(to: &buffer)
        }
    }

    /// Appends the value alone, without the encoding mask (an array element).
    func encodeValue(to buffer: inout ByteBuffer) {
        switch self {
        case .null, .array: break
        case .boolean(let v): buffer.writeUA(v)
        case .sbyte(let v): buffer.writeUA(v)
        case .byte(let v): buffer.writeUA(v)
        case .int16(let v): buffer.writeUA(v)
        case .uint16(let v): buffer.writeUA(v)
        case .int32(let v): buffer.writeUA(v)
        case .uint32(let v): buffer.writeUA(v)
        case .int64(let v): buffer.writeUA(v)
        case .uint64(let v): buffer.writeUA(v)
        case .float(let v): buffer.writeUA(v)
        case .double(let v): buffer.writeUA(v)
        case .string(let v): buffer.writeUA(string: v)
        case .dateTime(let v): buffer.writeUA(v)
        case .guid(let v):
            if case .guid(let uuid) = v { buffer.writeUA(Guid(uuid)) }
        case .byteString(let v), .xmlElement(let v): buffer.writeUA(byteString: v)
        case .nodeId(let v): buffer.writeUA(v)
        case .expandedNodeId(let v): buffer.writeUA(v)
        case .statusCode(let v): buffer.writeUA(v)
        case .qualifiedName(let v): buffer.writeUA(v)
        case .localizedText(let v): buffer.writeUA(v)
        case .extensionObject(let v): buffer.writeUA(v)
        case .dataValue(let v): buffer.writeUA(v)
        case .variant(let v): buffer.writeUA(v)
        case .diagnosticInfo(let v): buffer.writeUA(v)
        }
    }

    /// Reads the binary encoding.
    public init(from reader: inout OPCUAReader) throws(OPCUADecodingError) {
        self = try reader.nested("a variant") { (reader: inout OPCUAReader) throws(OPCUADecodingError) in
            let mask = try reader.read(UInt8.self, "a variant")
            let type = mask & 0x3F
            guard type <= 25 else { throw OPCUADecodingError("a variant has the unknown built-in type \(type)") }
            guard mask & 0x80 != 0 else {
                guard mask & 0x40 == 0 else { throw OPCUADecodingError("a scalar variant claims array dimensions") }
                return try Self.value(type: type, from: &reader)
            }
            guard type != 0 else { throw OPCUADecodingError("a variant is an array of null") }
            let elements = try reader.readArray("a variant's array") { (r: inout OPCUAReader) throws(OPCUADecodingError) in
                try Self.value(type: type, from: &r)
            }
            var dimensions: [Int32]?
            if mask & 0x40 != 0 {
                let dims = try reader.readArray("a variant's dimensions") { (r: inout OPCUAReader) throws(OPCUADecodingError) in
                    try r.read(Int32.self, "an array dimension")
                }
                // The product of hostile dimensions can overflow: it only has to reach the element count.
                var product = 1
                var fits = dims.allSatisfy { $0 >= 0 }
                for d in dims where fits {
                    let (next, overflow) = product.multipliedReportingOverflow(by: Int(d))
                    fits = !overflow && next <= elements.count
                    product = next
                }
                guard fits, product == elements.count else {
                    throw OPCUADecodingError("a variant's dimensions \(dims) do not match its \(elements.count) elements")
                }
                dimensions = dims
            }
            return .array(type: type, elements: elements, dimensions: dimensions)
        }
    }

    /// Reads one value of built-in `type`.
    static func value(type: UInt8, from r: inout OPCUAReader) throws(OPCUADecodingError) -> Variant {
        switch type {
        case 0: .null
        case 1: .boolean(try r.readBoolean())
        case 2: .sbyte(try r.read(Int8.self))
        case 3: .byte(try r.read(UInt8.self))
        case 4: .int16(try r.read(Int16.self))
        case 5: .uint16(try r.read(UInt16.self))
        case 6: .int32(try r.read(Int32.self))
        case 7: .uint32(try r.read(UInt32.self))
        case 8: .int64(try r.read(Int64.self))
        case 9: .uint64(try r.read(UInt64.self))
        case 10: .float(try r.readFloat())
        case 11: .double(try r.readDouble())
        case 12: .string(try r.readString())
        case 13: .dateTime(try r.read(DateTime.self))
        case 14: .guid(.guid(try r.read(Guid.self).uuid))
        case 15: .byteString(try r.readByteString())
        case 16: .xmlElement(try r.readByteString("an XmlElement"))
        case 17: .nodeId(try r.read(NodeId.self))
        case 18: .expandedNodeId(try r.read(ExpandedNodeId.self))
        case 19: .statusCode(try r.read(StatusCode.self))
        case 20: .qualifiedName(try r.read(QualifiedName.self))
        case 21: .localizedText(try r.read(LocalizedText.self))
        case 22: .extensionObject(try r.read(ExtensionObject.self))
        case 23: .dataValue(try r.read(DataValue.self))
        case 24: .variant(try r.read(Variant.self))
        default: .diagnosticInfo(try r.read(DiagnosticInfo.self))
        }
    }
}

/// A value with its status and timestamps (Part 6, 5.2.2.17): what Read returns and a subscription delivers.
public struct DataValue: Sendable, Hashable, OPCUACodable {
    /// The value (null when absent).
    public var value: Variant
    /// Its quality; Good when absent.
    public var status: StatusCode
    /// When the source (the PLC, the sensor) took it.
    public var sourceTimestamp: DateTime?
    /// Extra resolution of the source timestamp, in 10 ps.
    public var sourcePicoseconds: UInt16?
    /// When the server last saw it.
    public var serverTimestamp: DateTime?
    /// Extra resolution of the server timestamp, in 10 ps.
    public var serverPicoseconds: UInt16?

    /// A data value.
    public init(
        value: Variant = .null, status: StatusCode = .good, sourceTimestamp: DateTime? = nil, serverTimestamp: DateTime? = nil,
        sourcePicoseconds: UInt16? = nil, serverPicoseconds: UInt16? = nil
    ) {
        self.value = value
        self.status = status
        self.sourceTimestamp = sourceTimestamp
        self.serverTimestamp = serverTimestamp
        self.sourcePicoseconds = sourcePicoseconds
        self.serverPicoseconds = serverPicoseconds
    }

    /// The time a sample is filed under: the source timestamp, else the server's.
    public var sampleTime: DateTime? {
        if let sourceTimestamp, sourceTimestamp.isSet { return sourceTimestamp }
        if let serverTimestamp, serverTimestamp.isSet { return serverTimestamp }
        return nil
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        var mask: UInt8 = 0
        if value != .null { mask |= 0x01 }
        if status != .good { mask |= 0x02 }
        if sourceTimestamp != nil { mask |= 0x04 }
        if serverTimestamp != nil { mask |= 0x08 }
        if sourcePicoseconds != nil { mask |= 0x10 }
        if serverPicoseconds != nil { mask |= 0x20 }
        buffer.writeUA(mask)
        if value != .null { buffer.writeUA(value) }
        if status != .good { buffer.writeUA(status) }
        if let sourceTimestamp { buffer.writeUA(sourceTimestamp) }
        if let sourcePicoseconds { buffer.writeUA(sourcePicoseconds) }
        if let serverTimestamp { buffer.writeUA(serverTimestamp) }
        if let serverPicoseconds { buffer.writeUA(serverPicoseconds) }
    }

    /// Reads the binary encoding.
    public init(from reader: inout OPCUAReader) throws(OPCUADecodingError) {
        let mask = try reader.read(UInt8.self, "a data value")
        value = mask & 0x01 != 0 ? try reader.read(Variant.self) : .null
        status = mask & 0x02 != 0 ? try reader.read(StatusCode.self) : .good
        sourceTimestamp = mask & 0x04 != 0 ? try reader.read(DateTime.self) : nil
        sourcePicoseconds = mask & 0x10 != 0 ? try reader.read(UInt16.self, "picoseconds") : nil
        serverTimestamp = mask & 0x08 != 0 ? try reader.read(DateTime.self) : nil
        serverPicoseconds = mask & 0x20 != 0 ? try reader.read(UInt16.self, "picoseconds") : nil
    }
}
