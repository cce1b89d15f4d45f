import Foundation
import NIOCore
import Testing

@testable import SluiceOPCUA

/// Encodes `value`, decodes it back, and checks that nothing is left over.
private func roundTrip<T: OPCUACodable & Equatable>(_ value: T) throws -> T {
    var buffer = ByteBuffer()
    value.encode(to: &buffer)
    var reader = OPCUAReader(buffer)
    let decoded = try T(from: &reader)
    #expect(reader.remaining == 0)
    return decoded
}

@Suite("OPC UA built-in types in their binary encoding")
struct EncodingTests {
    @Test("node ids of every form survive a round trip in their most compact encoding")
    func nodeIds() throws {
        let cases: [(NodeId, [UInt8])] = [
            (NodeId(numeric: 85), [0x00, 85]),
            (NodeId(namespace: 2, numeric: 1025), [0x01, 2, 0x01, 0x04]),
            (NodeId(namespace: 300, numeric: 70_000), [0x02, 0x2C, 0x01, 0x70, 0x11, 0x01, 0x00]),
            (NodeId(namespace: 2, string: "Sensor.Temp"), [0x03, 2, 0, 11, 0, 0, 0] + Array("Sensor.Temp".utf8)),
            (NodeId(namespace: 1, .opaque([1, 2, 3])), [0x05, 1, 0, 3, 0, 0, 0, 1, 2, 3]),
        ]
        for (node, bytes) in cases {
            #expect(node.encodedBytes == bytes, "\(node)")
            #expect(try roundTrip(node) == node)
        }
        let guid = NodeId(namespace: 4, .guid(UUID(uuidString: "72962B91-FA75-4AE6-8D28-B404DC7DAF63")!))
        // Data1–Data3 little-endian, Data4 in order (Part 6, 5.1.3).
        #expect(guid.encodedBytes == [0x04, 4, 0, 0x91, 0x2B, 0x96, 0x72, 0x75, 0xFA, 0xE6, 0x4A, 0x8D, 0x28, 0xB4, 0x04, 0xDC, 0x7D, 0xAF, 0x63])
        #expect(try roundTrip(guid) == guid)
    }

    @Test(
        "the text form of node ids parses and prints back",
        arguments: [
            "i=85", "ns=2;s=Sensor.Temp", "ns=2;s=a;b=c", "ns=1;g=72962b91-fa75-4ae6-8d28-b404dc7daf63", "ns=3;b=AQID", "ns=65535;i=4294967295",
        ])
    func nodeIdText(_ text: String) throws {
        #expect(try NodeId(parsing: text).description == text)
    }

    @Test(
        "text that is not a node id says what a node id looks like",
        arguments: ["", "x=1", "ns=2;i=x", "ns=70000;i=1", "ns=2", "i=-1", "ns=1;g=nope"])
    func badNodeIdText(_ text: String) {
        #expect(throws: OPCUADecodingError.self) { try NodeId(parsing: text) }
    }

    @Test("expanded node ids carry a namespace URI and a server index")
    func expandedNodeIds() throws {
        let plain = ExpandedNodeId(NodeId(namespace: 2, string: "x"))
        let full = ExpandedNodeId(NodeId(numeric: 5), namespaceURI: "urn:plant", serverIndex: 3)
        #expect(try roundTrip(plain) == plain)
        #expect(try roundTrip(full) == full)
        #expect(full.encodedBytes[0] == 0xC0)
        #expect(full.description == "svr=3;nsu=urn:plant;i=5")
    }

    @Test("strings, qualified names, localized texts, date times and status codes")
    func simpleTypes() throws {
        #expect(try roundTrip(QualifiedName(namespace: 2, "Temp")) == QualifiedName(namespace: 2, "Temp"))
        #expect(try roundTrip(QualifiedName(nil)) == QualifiedName(nil))
        for text in [LocalizedText(locale: "en-US", "Temperature"), LocalizedText("°C"), LocalizedText(nil)] {
            #expect(try roundTrip(text) == text)
        }
        #expect(LocalizedText("°C").encodedBytes == [0x02, 3, 0, 0, 0, 0xC2, 0xB0, 0x43])
        let time = DateTime(Date(timeIntervalSince1970: 1_765_000_000.125))
        #expect(try roundTrip(time) == time)
        #expect(abs(time.secondsSince1970 - 1_765_000_000.125) < 1e-6)
        // 1970-01-01 is 116444736000000000 ticks after 1601-01-01.
        #expect(DateTime(Date(timeIntervalSince1970: 0)).ticks == 116_444_736_000_000_000)
        #expect(DateTime.unset.date == nil)
        #expect(StatusCode(0x8034_0000).name == "BadNodeIdUnknown")
        #expect(StatusCode(0x8034_0400).description == "BadNodeIdUnknown (0x80340400)")
        #expect(StatusCode(0x4093_0000).isUncertain && StatusCode(0x8000_0000).isBad && StatusCode.good.isGood)
    }

    @Test("variants of every built-in type, arrays and matrices")
    func variants() throws {
        let scalars: [Variant] = [
            .null, .boolean(true), .sbyte(-5), .byte(200), .int16(-300), .uint16(60_000), .int32(-70_000), .uint32(4_000_000_000),
            .int64(-1 << 40), .uint64(1 << 63), .float(1.5), .double(-2.25), .string("plant"), .string(nil), .dateTime(DateTime(ticks: 42)),
            .guid(.guid(UUID())), .byteString([0, 255]), .xmlElement(Array("<a/>".utf8)), .nodeId(NodeId(namespace: 2, string: "x")),
            .expandedNodeId(ExpandedNodeId(NodeId(numeric: 1), namespaceURI: "urn:x")), .statusCode(.badTimeout),
            .qualifiedName(QualifiedName(namespace: 1, "q")), .localizedText(LocalizedText(locale: "de", "Temperatur")),
            .extensionObject(
                ExtensionObject(encoding: EUInformation(namespaceURI: nil, unitId: 4_408_652, displayName: "°C", description: ""), typeId: 889)),
            .dataValue(DataValue(value: .double(1), status: .good, sourceTimestamp: DateTime(ticks: 7))),
            .diagnosticInfo(DiagnosticInfo(symbolicId: 1, additionalInfo: "x", innerStatusCode: .badTimeout, inner: DiagnosticInfo(locale: 2))),
        ]
        for value in scalars {
            #expect(try roundTrip(value) == value, "\(value)")
        }
        #expect(Variant.double(1).encodedBytes == [11, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
        let array = Variant.array(type: 6, elements: [.int32(1), .int32(2), .int32(3)], dimensions: nil)
        #expect(array.encodedBytes == [0x86, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0])
        #expect(try roundTrip(array) == array)
        let matrix = Variant.array(type: 11, elements: (0..<6).map { .double(Double($0)) }, dimensions: [2, 3])
        #expect(try roundTrip(matrix) == matrix)
        let ofVariants = Variant.array(type: 24, elements: [.variant(.string("a")), .variant(.int16(2))], dimensions: nil)
        #expect(try roundTrip(ofVariants) == ofVariants)
        #expect(Variant.uint16(7).number == 7 && Variant.boolean(true).number == 1 && Variant.string("x").number == nil)
    }

    @Test("data values keep their status, timestamps and picoseconds")
    func dataValues() throws {
        let full = DataValue(
            value: .float(21.5), status: StatusCode(0x4093_0000), sourceTimestamp: DateTime(ticks: 1), serverTimestamp: DateTime(ticks: 2),
            sourcePicoseconds: 3, serverPicoseconds: 4)
        #expect(try roundTrip(full) == full)
        #expect(try roundTrip(DataValue()) == DataValue())
        #expect(DataValue().encodedBytes == [0])
        #expect(DataValue(serverTimestamp: DateTime(ticks: 9)).sampleTime == DateTime(ticks: 9))
        #expect(full.sampleTime == DateTime(ticks: 1))
    }

    @Test("a publish response with data changes decodes to its notifications")
    func publishResponse() throws {
        let changes = DataChangeNotification(monitoredItems: [
            MonitoredItemNotification(clientHandle: 1, value: DataValue(value: .double(1.5), sourceTimestamp: DateTime(ticks: 10))),
            MonitoredItemNotification(clientHandle: 2, value: DataValue(value: .null, status: StatusCode(0x808C_0000))),
        ])
        let message = NotificationMessage(
            sequenceNumber: 7, publishTime: DateTime(ticks: 11),
            notificationData: [ExtensionObject(encoding: changes, typeId: DataChangeNotification.encodingId)])
        var buffer = ByteBuffer()
        PublishResponse(subscriptionId: 3, notificationMessage: message).encode(to: &buffer)
        var reader = OPCUAReader(buffer)
        let decoded = try PublishResponse(from: &reader)
        #expect(decoded.subscriptionId == 3 && decoded.notificationMessage == message)
        let data = try decoded.notificationMessage.notificationData[0].decode(DataChangeNotification.self, typeId: DataChangeNotification.encodingId)
        #expect(data == changes)
        #expect(data?.monitoredItems[1].value.status.name == "BadSensorFailure")
    }
}

@Suite("Hostile and broken input ends in an error, never a crash")
struct HostileInputTests {
    private func decode<T: OPCUADecodable>(_: T.Type, _ bytes: [UInt8]) throws -> T {
        var reader = OPCUAReader(ByteBuffer(bytes: bytes), maximumArrayLength: 1000)
        return try T(from: &reader)
    }

    @Test("lengths larger than the bytes left are refused before anything is allocated")
    func lyingLengths() {
        #expect(throws: OPCUADecodingError.self) { try decode(QualifiedName.self, [0, 0, 0xFF, 0xFF, 0xFF, 0x7F]) }
        // An array of 2^31-1 variants in a 10-byte input.
        #expect(throws: OPCUADecodingError.self) { try decode(Variant.self, [0x8C, 0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0, 0]) }
        #expect(throws: OPCUADecodingError.self) { try decode(Variant.self, [0x86, 0xFE, 0xFF, 0xFF, 0xFF]) }
        #expect(throws: OPCUADecodingError.self) { try decode(ExtensionObject.self, [0, 1, 1, 10, 0, 0, 0, 1]) }
    }

    @Test("unknown encodings and types are named in the error")
    func unknownEncodings() throws {
        let nodeError = #expect(throws: OPCUADecodingError.self) { try decode(NodeId.self, [0x07, 0]) }
        #expect(nodeError?.description.contains("unknown encoding") == true)
        #expect(throws: OPCUADecodingError.self) { try decode(Variant.self, [30]) }
        #expect(throws: OPCUADecodingError.self) { try decode(ExtensionObject.self, [0, 0, 9]) }
        // Dimensions whose product overflows (found by the fuzzer): 2 elements, dimensions 2^31-1 × 2^31-1 × 8.
        #expect(throws: OPCUADecodingError.self) {
            try decode(
                Variant.self,
                [0xC3, 2, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 8, 0, 0, 0])
        }
        // Dimensions that do not multiply to the element count.
        #expect(throws: OPCUADecodingError.self) { try decode(Variant.self, [0xC3, 2, 0, 0, 0, 1, 2, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0]) }
    }

    @Test("values nested past the depth limit are refused")
    func deepNesting() {
        // A variant holding a variant array holding a variant … 100 deep.
        var bytes: [UInt8] = []
        for _ in 0..<100 { bytes += [0x80 | 24, 1, 0, 0, 0] }
        bytes += [0]
        let error = #expect(throws: OPCUADecodingError.self) { try decode(Variant.self, bytes) }
        #expect(error?.description.contains("nests deeper") == true)
        var diagnostics: [UInt8] = Array(repeating: 0x40, count: 100)
        diagnostics.append(0)
        #expect(throws: OPCUADecodingError.self) { try decode(DiagnosticInfo.self, diagnostics) }
    }

    @Test("every prefix of a valid message fails cleanly")
    func truncation() {
        let changes = DataChangeNotification(
            monitoredItems: (0..<5).map {
                MonitoredItemNotification(clientHandle: UInt32($0), value: DataValue(value: .string("v\($0)"), sourceTimestamp: DateTime(ticks: 1)))
            })
        let bytes = PublishResponse(
            subscriptionId: 1,
            notificationMessage: NotificationMessage(
                sequenceNumber: 1, publishTime: .unset, notificationData: [ExtensionObject(encoding: changes, typeId: 811)])
        ).encodedBytes
        for length in 0..<bytes.count {
            #expect(throws: OPCUADecodingError.self) { try decode(PublishResponse.self, Array(bytes[..<length])) }
        }
    }
}
