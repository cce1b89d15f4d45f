import Crypto
import Foundation
import NIOCore
import X509
import _CryptoExtras

/// The keys of one direction of a secure channel under one token (Part 6, 6.7.5): derived with P_SHA256
/// from the two nonces.
struct SymmetricKeys: Sendable {
    private let signingBytes: [UInt8]
    private let encryptingBytes: [UInt8]
    let iv: [UInt8]
    var signing: SymmetricKey { SymmetricKey(data: signingBytes) }
    var encrypting: SymmetricKey { SymmetricKey(data: encryptingBytes) }

    /// P_SHA256(secret, seed) cut into a 32-byte signing key, a 32-byte encrypting key and a 16-byte IV.
    init(secret: [UInt8], seed: [UInt8]) {
        let key = SymmetricKey(data: secret)
        var output: [UInt8] = []
        var a = Data(HMAC<SHA256>.authenticationCode(for: seed, using: key))
        while output.count < 80 {
            output += HMAC<SHA256>.authenticationCode(for: a + seed, using: key)
            a = Data(HMAC<SHA256>.authenticationCode(for: a, using: key))
        }
        signingBytes = Array(output[0..<32])
        encryptingBytes = Array(output[32..<64])
        iv = Array(output[64..<80])
    }
}

/// A peer's RSA public key, read from its certificate, for verifying and encrypting.
struct RemoteKey: Sendable {
    let certificate: [UInt8]
    let verifying: _RSA.Signing.PublicKey
    /// The key's size in bytes: an RSA block.
    var size: Int { verifying.keySizeInBits / 8 }

    init(certificate der: [UInt8]) throws(OPCUAError) {
        do {
            let certificate = try Certificate(derEncoded: der)
            guard let key = _RSA.Signing.PublicKey(certificate.publicKey) else {
                throw OPCUAError(.securityConfiguration, "the server's certificate does not hold an RSA key, which Basic256Sha256 needs")
            }
            verifying = key
        } catch let error as OPCUAError {
            throw error
        } catch {
            throw OPCUAError(.securityConfiguration, "the server's certificate cannot be read: \(error)")
        }
        self.certificate = der
    }

    /// RSA-OAEP (SHA-1) of `plain`, block by block, as Basic256Sha256 encrypts asymmetrically.
    func encrypt(_ plain: [UInt8]) throws -> [UInt8] {
        let encrypting = try _RSA.Encryption.PublicKey(unsafeDERRepresentation: verifying.derRepresentation)
        let block = size - 42
        var out: [UInt8] = []
        out.reserveCapacity((plain.count + block - 1) / block * size)
        var start = 0
        while start < plain.count {
            out += try encrypting.encrypt(plain[start..<min(start + block, plain.count)], padding: .PKCS1_OAEP)
            start += block
        }
        return out
    }

    /// Whether `signature` is this key's RSA-PKCS#1 v1.5 SHA-256 signature of `data`.
    func verifies(_ signature: [UInt8], of data: [UInt8]) -> Bool {
        verifying.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: data, padding: .insecurePKCS1v1_5)
    }
}

/// SecurityPolicy Basic256Sha256 on one channel (Part 7; Part 6, 6.7): OpenSecureChannel signed with
/// RSA-PKCS#1 v1.5 SHA-256 and encrypted with RSA-OAEP SHA-1; other messages signed with HMAC-SHA256 and,
/// in SignAndEncrypt, encrypted with AES-256-CBC; padding as Part 6 lays it out.
struct ChannelSecurity: Sendable {
    static let policyURI = "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256"
    static let signatureAlgorithm = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    static let passwordAlgorithm = "http://www.w3.org/2001/04/xmlenc#rsa-oaep"

    let mode: MessageSecurityMode
    let local: ApplicationCertificate
    let remote: RemoteKey
    var localSize: Int { local.privateKey.keySizeInBits / 8 }

    init(mode: MessageSecurityMode, local: ApplicationCertificate, remote: RemoteKey) {
        self.mode = mode
        self.local = local
        self.remote = remote
    }

    /// The client's RSA-PKCS#1 v1.5 SHA-256 signature of `data`.
    func sign(_ data: [UInt8]) throws -> [UInt8] {
        Array(try local.privateKey.signature(for: data, padding: .insecurePKCS1v1_5).rawRepresentation)
    }

    // MARK: OpenSecureChannel

    /// The asymmetric security header: the policy, this client's certificate, the thumbprint of the server's.
    private var asymmetricHeader: ByteBuffer {
        var header = ByteBuffer()
        header.writeUA(string: Self.policyURI)
        header.writeUA(byteString: local.der)
        header.writeUA(byteString: Array(Insecure.SHA1.hash(data: remote.certificate)))
        return header
    }

    /// An OPN chunk: headers, then sequence header, body, padding and signature encrypted for the server.
    func sealOpen(channelId: UInt32, sequenceNumber: UInt32, requestId: UInt32, body: ByteBuffer) throws -> ByteBuffer {
        var security = asymmetricHeader
        var content: [UInt8] = []
        content.reserveCapacity(8 + body.readableBytes + 600)
        content += withUnsafeBytes(of: sequenceNumber.littleEndian, Array.init)
        content += withUnsafeBytes(of: requestId.littleEndian, Array.init)
        content += body.readableBytesView
        let plainBlock = remote.size - 42
        let extra = remote.size > 256 ? 1 : 0
        let padding = (plainBlock - (content.count + 1 + extra + localSize) % plainBlock) % plainBlock
        content += [UInt8](repeating: UInt8(padding & 0xFF), count: padding + 1)
        if extra == 1 { content.append(UInt8(padding >> 8)) }
        let encrypted = (content.count + localSize) / plainBlock * remote.size
        var message = ByteBuffer()
        MessageHeader(type: .open, size: UInt32(MessageHeader.size + 4 + security.readableBytes + encrypted)).encode(to: &message)
        message.writeUA(channelId)
        message.writeBuffer(&security)
        let signed = Array(message.readableBytesView) + content
        content += try sign(signed)
        message.writeBytes(try remote.encrypt(content))
        return message
    }

    /// The sequence header and body of the server's OPN chunk `frame`, whose headers end at `offset`:
    /// decrypted with this client's key, its signature checked with the server's, its padding removed.
    func openOpen(_ frame: ByteBuffer, headersEnd offset: Int, senderCertificate: [UInt8]?, receiverThumbprint: [UInt8]?) throws(OPCUAError)
        -> ByteBuffer
    {
        guard senderCertificate == remote.certificate else {
            throw OPCUAError(.securityCheckFailed, "the server signed its OpenSecureChannel answer with another certificate than it announced")
        }
        guard receiverThumbprint == Array(Insecure.SHA1.hash(data: local.der)) else {
            throw OPCUAError(.securityCheckFailed, "the server encrypted its OpenSecureChannel answer for another certificate than this client's")
        }
        let bytes = Array(frame.readableBytesView)
        let cipher = bytes[offset...]
        guard !cipher.isEmpty, cipher.count % localSize == 0 else {
            throw OPCUAError(.securityCheckFailed, "the server's OpenSecureChannel answer is not a whole number of RSA blocks")
        }
        var plain: [UInt8] = []
        var start = cipher.startIndex
        do {
            let decrypting = try _RSA.Encryption.PrivateKey(unsafeDERRepresentation: local.privateKey.derRepresentation)
            while start < cipher.endIndex {
                plain += try decrypting.decrypt(cipher[start..<start + localSize], padding: .PKCS1_OAEP)
                start += localSize
            }
        } catch {
            throw OPCUAError(.securityCheckFailed, "the server's OpenSecureChannel answer does not decrypt with this client's key")
        }
        let signatureSize = remote.size
        let extra = localSize > 256 ? 1 : 0
        guard plain.count >= 8 + 1 + extra + signatureSize else {
            throw OPCUAError(.securityCheckFailed, "the server's OpenSecureChannel answer is too short for its signature")
        }
        let content = Array(plain[..<(plain.count - signatureSize)])
        guard remote.verifies(Array(plain[(plain.count - signatureSize)...]), of: Array(bytes[..<offset]) + content) else {
            throw OPCUAError(.securityCheckFailed, "the signature of the server's OpenSecureChannel answer does not verify with its certificate")
        }
        return try Self.removingPadding(content, extra: extra)
    }

    // MARK: Messages

    /// The most body bytes a chunk of at most `bufferSize` bytes carries.
    func maximumBodySize(bufferSize: Int) -> Int {
        let room = bufferSize - ChunkWriter.symmetricHeaderSize + 8  // sequence header counted below
        switch mode {
        case .signAndEncrypt: return (room / 16) * 16 - 8 - 32 - 1
        default: return room - 8 - 32
        }
    }

    /// A MSG or CLO chunk with `header` fields, its sequence header and `piece` signed (and encrypted) with
    /// the client's keys.
    func seal(
        type: MessageHeader.MessageType, chunk: MessageHeader.ChunkType, channelId: UInt32, tokenId: UInt32, sequenceNumber: UInt32,
        requestId: UInt32, piece: ByteBuffer, keys: SymmetricKeys
    ) throws -> ByteBuffer {
        var content: [UInt8] = []
        content.reserveCapacity(8 + piece.readableBytes + 48)
        content += withUnsafeBytes(of: sequenceNumber.littleEndian, Array.init)
        content += withUnsafeBytes(of: requestId.littleEndian, Array.init)
        content += piece.readableBytesView
        if mode == .signAndEncrypt {
            let padding = (16 - (content.count + 1 + 32) % 16) % 16
            content += [UInt8](repeating: UInt8(padding), count: padding + 1)
        }
        var message = ByteBuffer()
        MessageHeader(type: type, chunk: chunk, size: UInt32(16 + content.count + 32)).encode(to: &message)
        message.writeUA(channelId)
        message.writeUA(tokenId)
        let signature = HMAC<SHA256>.authenticationCode(for: Array(message.readableBytesView) + content, using: keys.signing)
        content += signature
        if mode == .signAndEncrypt {
            message.writeBytes(try AES._CBC.encrypt(content, using: keys.encrypting, iv: AES._CBC.IV(ivBytes: keys.iv), noPadding: true))
        } else {
            message.writeBytes(content)
        }
        return message
    }

    /// The sequence header and body of a server's MSG or CLO chunk, checked with the server's `keys`.
    func unseal(_ frame: ByteBuffer, keys: SymmetricKeys) throws(OPCUAError) -> ByteBuffer {
        let bytes = Array(frame.readableBytesView)
        let header = bytes[..<16]
        var plain = Array(bytes[16...])
        if mode == .signAndEncrypt {
            guard !plain.isEmpty, plain.count % 16 == 0 else {
                throw OPCUAError(.securityCheckFailed, "an encrypted message from the server is not a whole number of AES blocks")
            }
            do {
                plain = Array(try AES._CBC.decrypt(plain, using: keys.encrypting, iv: AES._CBC.IV(ivBytes: keys.iv), noPadding: true))
            } catch {
                throw OPCUAError(.securityCheckFailed, "a message from the server does not decrypt with the channel's keys")
            }
        }
        guard plain.count >= 8 + 32 + (mode == .signAndEncrypt ? 1 : 0) else {
            throw OPCUAError(.securityCheckFailed, "a message from the server is too short for its signature")
        }
        let content = Array(plain[..<(plain.count - 32)])
        guard HMAC<SHA256>.isValidAuthenticationCode(plain[(plain.count - 32)...], authenticating: Array(header) + content, using: keys.signing)
        else {
            throw OPCUAError(.securityCheckFailed, "the signature of a message from the server does not verify with the channel's keys")
        }
        return mode == .signAndEncrypt ? try Self.removingPadding(content, extra: 0) : ByteBuffer(bytes: content)
    }

    /// `content` without its padding: the last byte (and, for keys over 2048 bits, the one before) gives
    /// how many padding bytes precede it, each equal to the size's low byte.
    static func removingPadding(_ content: [UInt8], extra: Int) throws(OPCUAError) -> ByteBuffer {
        guard let last = content.last else { throw OPCUAError(.securityCheckFailed, "a message from the server has no padding") }
        let size = extra == 1 ? Int(last) << 8 | Int(content[content.count - 2]) : Int(last)
        let total = size + 1 + extra
        guard total <= content.count - 8 else { throw OPCUAError(.securityCheckFailed, "a message from the server has more padding than content") }
        return ByteBuffer(bytes: content[..<(content.count - total)])
    }
}
