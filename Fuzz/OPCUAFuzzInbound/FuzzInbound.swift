import Foundation
import FuzzSupport
import NIOCore
import SluiceOPCUA

// Fuzz targets for what the OPC UA client reads from a server; any input must end in a value or an error.
// SLUICE_FUZZ chooses the target:
// - `chunks` (the default): the byte stream is cut into messages (MessageFramer), and each goes through the
//   client's inbound state: Acknowledge, Error, chunk headers, reassembly within the limits; whole bodies are
//   decoded as below;
// - `messages`: the input is one response body, decoded as every response type the client knows, the data
//   changes of a Publish response included.
//
// Built for libFuzzer by scripts/fuzz-opcua.sh (with -DFUZZING); built normally, it replays the files or
// folders given on the command line, and `--seeds DIR` writes a seed corpus of valid messages.

/// Whether the input is a response body rather than a byte stream.
let bodiesOnly = ProcessInfo.processInfo.environment["SLUICE_FUZZ"] == "messages"

/// Runs one input through the client's inbound path.
func exercise(_ bytes: [UInt8]) {
    if bodiesOnly { return decodeEveryResponse(ByteBuffer(bytes: bytes)) }
    var stream = ByteBuffer(bytes: bytes)
    let limits = TransportLimits(receiveBufferSize: 65_535, sendBufferSize: 65_535, maxMessageSize: 1 << 20, maxChunkCount: 64)
    let framer = MessageFramer(maximumSize: Int(limits.receiveBufferSize))
    var inbound = InboundMessages(limits: limits)
    inbound.opened(channelId: 1, tokenId: 1)
    while let frame = try? framer.decode(buffer: &stream) {
        guard let event = try? inbound.receive(frame) else { return }
        if case .message(_, let body) = event { decodeEveryResponse(body) }
    }
}

/// Decodes `body` as every response type; each attempt must return or throw.
func decodeEveryResponse(_ body: ByteBuffer) {
    _ = try? OPCUAClient.decodeResponse(OpenSecureChannelResponse.self, from: body)
    _ = try? OPCUAClient.decodeResponse(GetEndpointsResponse.self, from: body)
    _ = try? OPCUAClient.decodeResponse(CreateSessionResponse.self, from: body)
    _ = try? OPCUAClient.decodeResponse(ActivateSessionResponse.self, from: body)
    _ = try? OPCUAClient.decodeResponse(ReadResponse.self, from: body)
    _ = try? OPCUAClient.decodeResponse(BrowseResponse.self, from: body)
    _ = try? OPCUAClient.decodeResponse(CreateSubscriptionResponse.self, from: body)
    _ = try? OPCUAClient.decodeResponse(CreateMonitoredItemsResponse.self, from: body)
    _ = try? OPCUAClient.decodeResponse(RepublishResponse.self, from: body)
    if let publish = try? OPCUAClient.decodeResponse(PublishResponse.self, from: body) {
        for data in publish.notificationMessage.notificationData {
            _ = try? data.decode(DataChangeNotification.self, typeId: DataChangeNotification.encodingId)
            _ = try? data.decode(StatusChangeNotification.self, typeId: StatusChangeNotification.encodingId)
        }
    }
}

@main
struct Main {
    static func main() throws { try fuzzMain(name: "OPCUAFuzzInbound", exercise: exercise, writeSeeds: writeSeeds) }

    /// Valid server messages: an Acknowledge, a Publish response in two chunks, an Error.
    static func writeSeeds(to folder: String) throws {
        var ack = ByteBuffer()
        ack.writeString("ACKF")
        ack.writeUA(UInt32(28))
        for value: UInt32 in [0, 65_535, 65_535, 1 << 20, 64] { ack.writeUA(value) }
        let now = DateTime.now
        let changes = DataChangeNotification(
            monitoredItems: (0..<20).map {
                MonitoredItemNotification(
                    clientHandle: UInt32($0), value: DataValue(value: .double(Double($0)), sourceTimestamp: now, serverTimestamp: now))
            })
        var body = ByteBuffer()
        body.writeUA(NodeId(numeric: PublishResponse.encodingId))
        body.writeUA(
            PublishResponse(
                subscriptionId: 1,
                notificationMessage: NotificationMessage(
                    sequenceNumber: 1, publishTime: now,
                    notificationData: [ExtensionObject(encoding: changes, typeId: DataChangeNotification.encodingId)])))
        var message = ack
        let half = body.readableBytes / 2
        for (index, piece) in [body.getSlice(at: 0, length: half)!, body.getSlice(at: half, length: body.readableBytes - half)!].enumerated() {
            var piece = piece
            message.writeString(index == 0 ? "MSGC" : "MSGF")
            message.writeUA(UInt32(24 + piece.readableBytes))
            message.writeUA(UInt32(1))
            message.writeUA(UInt32(1))
            message.writeUA(UInt32(index + 1))
            message.writeUA(UInt32(7))
            message.writeBuffer(&piece)
        }
        var error = ByteBuffer()
        error.writeString("ERRF")
        error.writeUA(UInt32(8 + 4 + 4 + 4))
        error.writeUA(UInt32(0x8007_0000))
        error.writeUA(string: "bye!")
        for (name, buffer) in [("ack", ack), ("publish", message), ("error", error), ("publish-body", body)] {
            try Data(buffer.readableBytesView).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
    }
}
