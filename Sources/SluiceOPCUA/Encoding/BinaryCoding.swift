public import NIOCore

/// A value with an OPC UA binary encoding (Part 6, 5.2): little-endian, lengths as `Int32`, -1 for null.
public protocol OPCUAEncodable: Sendable {
    /// Appends the value's binary encoding to `buffer`.
    func encode(to buffer: inout ByteBuffer)
}

/// A value that can be read from its OPC UA binary encoding.
public protocol OPCUADecodable: Sendable {
    /// Reads the value from `reader`, throwing ``OPCUADecodingError`` when the bytes are not a valid encoding.
    init(from reader: inout OPCUAReader) throws(OPCUADecodingError)
}

/// Both directions of the OPC UA binary encoding.
public typealias OPCUACodable = OPCUAEncodable & OPCUADecodable

/// Why bytes are not a valid OPC UA encoding: what was expected and where.
public struct OPCUADecodingError: Error, CustomStringConvertible, Equatable {
    /// What was wrong, in words.
    public var description: String

    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}

/// Reads OPC UA binary encodings from a buffer and never trusts a length it reads: every length is checked
/// against what is left, and nested values (variants in variants, diagnostic infos in diagnostic infos)
/// against a depth limit, so hostile bytes end in an error, never in a crash or a huge allocation.
public struct OPCUAReader {
    /// The bytes not read yet.
    public private(set) var buffer: ByteBuffer
    /// The longest array or string accepted, whatever the bytes left would allow.
    public var maximumArrayLength: Int
    private var depth = 0
    /// How deep values may nest before the input is refused.
    static let maximumDepth = 32

    /// A reader over `buffer`.
    public init(_ buffer: ByteBuffer, maximumArrayLength: Int = 1 << 24) {
        self.buffer = buffer
        self.maximumArrayLength = maximumArrayLength
    }

    /// The number of bytes left.
    public var remaining: Int { buffer.readableBytes }

    /// Reads a fixed-width integer.
    public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self, _ what: @autoclosure () -> String = "a number")
        throws(OPCUADecodingError) -> T
    {
        guard let value = buffer.readInteger(endianness: .little, as: T.self) else {
            throw OPCUADecodingError("the input ends inside \(what()) (\(MemoryLayout<T>.size) bytes needed, \(remaining) left)")
        }
        return value
    }

    /// Reads a Boolean (one byte, non-zero is true).
    public mutating func readBoolean() throws(OPCUADecodingError) -> Bool { try read(UInt8.self, "a Boolean") != 0 }

    /// Reads an IEEE 754 single.
    public mutating func readFloat() throws(OPCUADecodingError) -> Float { Float(bitPattern: try read(UInt32.self, "a Float")) }

    /// Reads an IEEE 754 double.
    public mutating func readDouble() throws(OPCUADecodingError) -> Double { Double(bitPattern: try read(UInt64.self, "a Double")) }

    /// Reads `count` raw bytes.
    public mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String = "a byte string") throws(OPCUADecodingError) -> [UInt8] {
        guard count >= 0, count <= remaining, let bytes = buffer.readBytes(length: count) else {
            throw OPCUADecodingError("\(what()) claims \(count) bytes but \(remaining) are left")
        }
        return bytes
    }

    /// Reads a length prefix: -1 is null (nil), a length is checked against the bytes left, each element
    /// taking at least `minimumElementSize` bytes.
    public mutating func readLength(_ what: @autoclosure () -> String, minimumElementSize: Int = 1) throws(OPCUADecodingError) -> Int? {
        let length = try read(Int32.self, "the length of \(what())")
        if length == -1 { return nil }
        guard length >= 0 else { throw OPCUADecodingError("\(what()) has a negative length \(length)") }
        guard Int(length) <= maximumArrayLength else {
            throw OPCUADecodingError("\(what()) has \(length) elements, more than the \(maximumArrayLength) accepted")
        }
        guard Int(length) * minimumElementSize <= remaining else {
            throw OPCUADecodingError("\(what()) claims \(length) elements but only \(remaining) bytes are left")
        }
        return Int(length)
    }

    /// Reads a String: UTF-8 bytes after an `Int32` length; nil for the null string.
    public mutating func readString(_ what: @autoclosure () -> String = "a String") throws(OPCUADecodingError) -> String? {
        guard let length = try readLength(what()) else { return nil }
        let bytes = try readBytes(length, what())
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads a ByteString; nil for the null one.
    public mutating func readByteString(_ what: @autoclosure () -> String = "a ByteString") throws(OPCUADecodingError) -> [UInt8]? {
        guard let length = try readLength(what()) else { return nil }
        return try readBytes(length, what())
    }

    /// Reads an array of `element`; null arrays read as empty.
    public mutating func readArray<T>(_ what: @autoclosure () -> String, _ element: (inout OPCUAReader) throws(OPCUADecodingError) -> T)
        throws(OPCUADecodingError) -> [T]
    {
        guard let count = try readLength(what()) else { return [] }
        var values: [T] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try element(&self)) }
        return values
    }

    /// Reads an array of a decodable type; null arrays read as empty.
    public mutating func readArray<T: OPCUADecodable>(of _: T.Type, _ what: @autoclosure () -> String) throws(OPCUADecodingError) -> [T] {
        try readArray(what()) { (reader: inout OPCUAReader) throws(OPCUADecodingError) in try T(from: &reader) }
    }

    /// Reads a decodable value.
    public mutating func read<T: OPCUADecodable>(_: T.Type = T.self) throws(OPCUADecodingError) -> T { try T(from: &self) }

    /// Runs `body` one nesting level deeper, refusing input that nests past ``maximumDepth``.
    mutating func nested<T>(_ what: String, _ body: (inout OPCUAReader) throws(OPCUADecodingError) -> T) throws(OPCUADecodingError) -> T {
        guard depth < Self.maximumDepth else { throw OPCUADecodingError("\(what) nests deeper than \(Self.maximumDepth) levels") }
        depth += 1
        defer { depth -= 1 }
        return try body(&self)
    }
}

extension ByteBuffer {
    /// Appends a little-endian integer.
    public mutating func writeUA<T: FixedWidthInteger>(_ value: T) { writeInteger(value, endianness: .little) }

    /// Appends a Boolean as one byte.
    public mutating func writeUA(_ value: Bool) { writeInteger(value ? 1 : 0, as: UInt8.self) }

    /// Appends an IEEE 754 double.
    public mutating func writeUA(_ value: Double) { writeInteger(value.bitPattern, endianness: .little) }

    /// Appends an IEEE 754 single.
    public mutating func writeUA(_ value: Float) { writeInteger(value.bitPattern, endianness: .little) }

    /// Appends a String (nil: the null string).
    public mutating func writeUA(string: String?) {
        guard let string else { return writeUA(Int32(-1)) }
        let utf8 = Array(string.utf8)
        writeUA(Int32(utf8.count))
        writeBytes(utf8)
    }

    /// Appends a ByteString (nil: the null one).
    public mutating func writeUA(byteString: [UInt8]?) {
        guard let byteString else { return writeUA(Int32(-1)) }
        writeUA(Int32(byteString.count))
        writeBytes(byteString)
    }

    /// Appends an encodable value.
    public mutating func writeUA(_ value: some OPCUAEncodable) { value.encode(to: &self) }

    /// Appends an array of encodable values.
    public mutating func writeUA<T: OPCUAEncodable>(array: [T]) {
        writeUA(Int32(array.count))
        for element in array { element.encode(to: &self) }
    }

    /// Appends an array of Strings.
    public mutating func writeUA(strings: [String]) {
        writeUA(Int32(strings.count))
        for string in strings { writeUA(string: string) }
    }

    /// Appends an array of integers.
    public mutating func writeUA<T: FixedWidthInteger>(integers: [T]) {
        writeUA(Int32(integers.count))
        for value in integers { writeUA(value) }
    }
}

extension OPCUAEncodable {
    /// The value's encoding as bytes.
    public var encodedBytes: [UInt8] {
        var buffer = ByteBuffer()
        encode(to: &buffer)
        return Array(buffer.readableBytesView)
    }
}
