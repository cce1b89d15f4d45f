import Foundation
import NIOCore
import Testing

@testable import SluiceOPCUA

@Suite("Basic256Sha256: sealing and opening messages between two certificates")
struct SecurityTests {
    static let client = try! ApplicationCertificate(applicationURI: "urn:test:client", commonName: "client", hostName: "localhost")
    static let server = try! ApplicationCertificate(applicationURI: "urn:test:server", commonName: "server", hostName: "localhost")

    /// The two ends of one channel: each side's view, its peer's certificate as the remote key.
    private func ends(_ mode: MessageSecurityMode) throws -> (client: ChannelSecurity, server: ChannelSecurity) {
        (
            ChannelSecurity(mode: mode, local: Self.client, remote: try RemoteKey(certificate: Self.server.der)),
            ChannelSecurity(mode: mode, local: Self.server, remote: try RemoteKey(certificate: Self.client.der))
        )
    }

    @Test("an OpenSecureChannel sealed by one side opens on the other, and a tampered one does not")
    func asymmetric() throws {
        let (client, server) = try ends(.signAndEncrypt)
        let body = ByteBuffer(bytes: (0..<300).map { UInt8($0 % 256) })
        let sealed = try client.sealOpen(channelId: 0, sequenceNumber: 51, requestId: 1, body: body)
        let chunk = try SecureChunk(frame: sealed)  // headers only: without security the rest stays ciphertext
        #expect(chunk.securityPolicyURI == ChannelSecurity.policyURI)
        let opened = try SecureChunk(frame: sealed, security: server)
        #expect(opened.sequenceNumber == 51 && opened.requestId == 1 && opened.body == body)
        var tampered = sealed
        tampered.setInteger(tampered.getInteger(at: tampered.writerIndex - 1, as: UInt8.self)! ^ 1, at: tampered.writerIndex - 1)
        #expect(throws: OPCUAError.self) { try SecureChunk(frame: tampered, security: server) }
    }

    @Test(
        "messages signed, or signed and encrypted, with the derived keys open with the same keys only",
        arguments: [MessageSecurityMode.sign, .signAndEncrypt])
    func symmetric(_ mode: MessageSecurityMode) throws {
        let (client, _) = try ends(mode)
        let keys = SymmetricKeys(secret: Array(repeating: 1, count: 32), seed: Array(repeating: 2, count: 32))
        let other = SymmetricKeys(secret: Array(repeating: 2, count: 32), seed: Array(repeating: 1, count: 32))
        for size in [0, 1, 15, 16, 17, 1000] {
            let piece = ByteBuffer(bytes: (0..<size).map { UInt8($0 % 251) })
            let sealed = try client.seal(
                type: .message, chunk: .final, channelId: 3, tokenId: 4, sequenceNumber: 9, requestId: 10, piece: piece, keys: keys)
            #expect(Int(sealed.getInteger(at: 4, endianness: .little, as: UInt32.self)!) == sealed.readableBytes)
            if mode == .signAndEncrypt { #expect((sealed.readableBytes - 16) % 16 == 0) }
            let opened = try SecureChunk(frame: sealed, security: client) { $0 == 4 ? keys : nil }
            #expect(opened.sequenceNumber == 9 && opened.requestId == 10 && opened.body == piece)
            #expect(throws: OPCUAError.self) { try SecureChunk(frame: sealed, security: client) { _ in other } }
        }
    }

    @Test("P_SHA256 gives the keys both sides derive, different in each direction")
    func keyDerivation() {
        let clientNonce = (0..<32).map { UInt8($0) }
        let serverNonce = (0..<32).map { UInt8(255 - $0) }
        let clientKeys = SymmetricKeys(secret: serverNonce, seed: clientNonce)
        let again = SymmetricKeys(secret: serverNonce, seed: clientNonce)
        let serverKeys = SymmetricKeys(secret: clientNonce, seed: serverNonce)
        #expect(clientKeys.iv == again.iv && clientKeys.iv.count == 16)
        #expect(clientKeys.iv != serverKeys.iv)
    }

    @Test("a certificate written and read back keeps its key and application URI; a key of another certificate is refused")
    func certificateFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-pki-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.client.write(certificateFile: folder + "/c.der", privateKeyFile: folder + "/c.pem")
        try Self.server.write(certificateFile: folder + "/s.der", privateKeyFile: folder + "/s.pem")
        let read = try ApplicationCertificate(certificateFile: folder + "/c.der", privateKeyFile: folder + "/c.pem")
        #expect(read.der == Self.client.der && read.applicationURI == "urn:test:client" && read.thumbprint.count == 40)
        let mismatch = #expect(throws: OPCUAError.self) {
            try ApplicationCertificate(certificateFile: folder + "/c.der", privateKeyFile: folder + "/s.pem")
        }
        #expect(mismatch?.message.contains("does not belong") == true)
        let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/c.pem")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }
}
