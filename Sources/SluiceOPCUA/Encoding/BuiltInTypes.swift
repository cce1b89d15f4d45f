public import Foundation
public import NIOCore

/// An OPC UA DateTime: 100-nanosecond ticks since 1601-01-01 UTC (Part 6, 5.2.2.5); 0 means "not set".
public struct DateTime: Sendable, Hashable, Comparable, CustomStringConvertible, OPCUACodable {
    /// Ticks of 100 ns since 1601-01-01 00:00 UTC.
    public var ticks: Int64

    /// Seconds from 1601-01-01 to 1970-01-01.
    static let unixEpochOffset: Int64 = 11_644_473_600

    /// A DateTime of `ticks`.
    public init(ticks: Int64) { self.ticks = ticks }

    /// The DateTime of `date`.
    public init(_ date: Date) {
        let ticks = (date.timeIntervalSince1970 + Double(Self.unixEpochOffset)) * 10_000_000
        self.ticks = ticks.isFinite ? Int64(max(0, min(ticks.rounded(), 9.2e18))) : 0
    }

    /// Not set.
    public static let unset = DateTime(ticks: 0)

    /// Now.
    public static var now: DateTime { DateTime(Date()) }

    /// Whether a time is set (neither 0 nor the maximum that means "end of time").
    public var isSet: Bool { ticks > 0 && ticks < Int64.max }

    /// Seconds since 1970-01-01 UTC.
    public var secondsSince1970: Double { Double(ticks) / 10_000_000 - Double(Self.unixEpochOffset) }

    /// The date, or nil when not set.
    public var date: Date? { isSet ? Date(timeIntervalSince1970: secondsSince1970) : nil }

    /// ISO 8601 in UTC with milliseconds, or "unset".
    public var description: String {
        guard let date else { return "unset" }
        return date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    /// Compares by ticks.
    public static func < (a: DateTime, b: DateTime) -> Bool { a.ticks < b.ticks }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) { buffer.writeUA(ticks) }

    /// Reads the binary encoding.
    public init(from reader: inout OPCUAReader) throws(OPCUADecodingError) { ticks = try reader.read(Int64.self, "a DateTime") }
}

/// A name qualified by a namespace index (Part 6, 5.2.2.13), written `2:Temp`.
public struct QualifiedName: Sendable, Hashable, CustomStringConvertible, OPCUACodable {
    /// The namespace index.
    public var namespace: UInt16
    /// The name.
    public var name: String?

    /// A qualified name.
    public init(namespace: UInt16 = 0, _ name: String?) {
        self.namespace = namespace
        self.name = name
    }

    /// `2:Temp`, or just the name in namespace 0.
    public var description: String { namespace == 0 ? (name ?? "") : "\(namespace):\(name ?? "")" }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(namespace)
        buffer.writeUA(string: name)
    }

    /// Reads the binary encoding.
    public init(from reader: inout OPCUAReader) throws(OPCUADecodingError) {
        namespace = try reader.read(UInt16.self, "a qualified name")
        name = try reader.readString("a qualified name")
    }
}

/// Text with an optional locale (Part 6, 5.2.2.14).
public struct LocalizedText: Sendable, Hashable, CustomStringConvertible, OPCUACodable {
    /// The locale, such as `en-US`.
    public var locale: String?
    /// The text.
    public var text: String?

    /// A localized text.
    public init(locale: String? = nil, _ text: String?) {
        self.locale = locale
        self.text = text
    }

    /// The text, or "" when none.
    public var description: String { text ?? "" }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(UInt8((locale != nil ? 0x01 : 0) | (text != nil ? 0x02 : 0)))
        if let locale { buffer.writeUA(string: locale) }
        if let text { buffer.writeUA(string: text) }
    }

    /// Reads the binary encoding.
    public init(from reader: inout OPCUAReader) throws(OPCUADecodingError) {
        let mask = try reader.read(UInt8.self, "a localized text")
        locale = mask & 0x01 != 0 ? try reader.readString("a locale") : nil
        text = mask & 0x02 != 0 ? try reader.readString("a localized text") : nil
    }
}

/// A structure the receiver may not know, carried with its type's encoding id (Part 6, 5.2.2.15).
public struct ExtensionObject: Sendable, Hashable, OPCUACodable {
    /// How the body is encoded.
    public enum Body: Sendable, Hashable {
        /// No body.
        case none
        /// The binary encoding of the type named by ``ExtensionObject/typeId``.
        case binary([UInt8])
        /// An XML element.
        case xml([UInt8])
    }

    /// The node id of the body's encoding (for example 324, UserNameIdentityToken_Encoding_DefaultBinary).
    public var typeId: NodeId
    /// The body.
    public var body: Body

    /// An extension object.
    public init(typeId: NodeId, body: Body) {
        self.typeId = typeId
        self.body = body
    }

    /// The empty extension object.
    public static let empty = ExtensionObject(typeId: .null, body: .none)

    /// An extension object holding `value`'s binary encoding under `typeId`.
    public init(encoding value: some OPCUAEncodable, typeId: UInt32) {
        self.init(typeId: NodeId(numeric: typeId), body: .binary(value.encodedBytes))
    }

    /// The body decoded as `T`, when its encoding id is `typeId`; nil for another type.
    public func decode<T: OPCUADecodable>(_: T.Type, typeId expected: UInt32) throws(OPCUADecodingError) -> T? {
        guard typeId == NodeId(numeric: expected), case .binary(let bytes) = body else { return nil }
        var reader = OPCUAReader(ByteBuffer(bytes: bytes))
        return try T(from: &reader)
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(typeId)
        switch body {
        case .none: buffer.writeUA(UInt8(0))
        case .binary(let bytes):
            buffer.writeUA(UInt8(1))
            buffer.writeUA(byteString: bytes)
        case .xml(let bytes):
            buffer.writeUA(UInt8(2))
            buffer.writeUA(byteString: bytes)
        }
    }

    /// Reads the binary encoding.
    public init(from reader: inout OPCUAReader) throws(OPCUADecodingError) {
        typeId = try reader.read(NodeId.self)
        switch try reader.read(UInt8.self, "an extension object's encoding") {
        case 0: body = .none
        case 1: body = .binary(try reader.readByteString("an extension object's body") ?? [])
        case 2: body = .xml(try reader.readByteString("an extension object's XML body") ?? [])
        case let other: throw OPCUADecodingError("an extension object has the unknown body encoding \(other)")
        }
    }
}

/// Diagnostics a server may attach to a result (Part 6, 5.2.2.12).
public struct DiagnosticInfo: Sendable, Hashable, OPCUACodable {
    /// Index of the symbolic id in the response's string table.
    public var symbolicId: Int32?
    /// Index of the namespace URI in the string table.
    public var namespaceURI: Int32?
    /// Index of the locale in the string table.
    public var locale: Int32?
    /// Index of the localized text in the string table.
    public var localizedText: Int32?
    /// Free text from the server.
    public var additionalInfo: String?
    /// The status of an inner operation.
    public var innerStatusCode: StatusCode?
    /// Diagnostics of an inner operation.
    public var inner: [DiagnosticInfo]

    /// Diagnostics.
    public init(
        symbolicId: Int32? = nil, namespaceURI: Int32? = nil, locale: Int32? = nil, localizedText: Int32? = nil, additionalInfo: String? = nil,
        innerStatusCode: StatusCode? = nil, inner: DiagnosticInfo? = nil
    ) {
        self.symbolicId = symbolicId
        self.namespaceURI = namespaceURI
        self.locale = locale
        self.localizedText = localizedText
        self.additionalInfo = additionalInfo
        self.innerStatusCode = innerStatusCode
        self.inner = inner.map { [$0] } ?? []
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        var mask: UInt8 = 0
        if symbolicId != nil { mask |= 0x01 }
        if namespaceURI != nil { mask |= 0x02 }
        if localizedText != nil { mask |= 0x04 }
        if locale != nil { mask |= 0x08 }
        if additionalInfo != nil { mask |= 0x10 }
        if innerStatusCode != nil { mask |= 0x20 }
        if !inner.isEmpty { mask |= 0x40 }
        buffer.writeUA(mask)
        if let symbolicId { buffer.writeUA(symbolicId) }
        if let namespaceURI { buffer.writeUA(namespaceURI) }
        if let localizedText { buffer.writeUA(localizedText) }
        if let locale { buffer.writeUA(locale) }
        if let additionalInfo { buffer.writeUA(string: additionalInfo) }
        if let innerStatusCode { buffer.writeUA(innerStatusCode) }
        if let first = inner.first { buffer.writeUA(first) }
    }

    /// Reads the binary encoding, refusing inner diagnostics nested past the reader's depth limit.
    public init(from reader: inout OPCUAReader) throws(OPCUADecodingError) {
        let mask = try reader.read(UInt8.self, "a diagnostic info")
        symbolicId = mask & 0x01 != 0 ? try reader.read(Int32.self, "a diagnostic info") : nil
        namespaceURI = mask & 0x02 != 0 ? try reader.read(Int32.self, "a diagnostic info") : nil
        localizedText = mask & 0x04 != 0 ? try reader.read(Int32.self, "a diagnostic info") : nil
        locale = mask & 0x08 != 0 ? try reader.read(Int32.self, "a diagnostic info") : nil
        additionalInfo = mask & 0x10 != 0 ? try reader.readString("a diagnostic info") : nil
        innerStatusCode = mask & 0x20 != 0 ? try reader.read(StatusCode.self) : nil
        inner =
            mask & 0x40 != 0
            ? [try reader.nested("a diagnostic info") { (r: inout OPCUAReader) throws(OPCUADecodingError) in try DiagnosticInfo(from: &r) }]
            : []
    }
}
