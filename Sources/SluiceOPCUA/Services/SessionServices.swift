public import NIOCore

/// An algorithm and a signature (Part 4, 7.36); both null when the policy does not sign.
public struct SignatureData: Sendable, Hashable, OPCUACodable {
    /// The algorithm's URI.
    public var algorithm: String?
    /// The signature.
    public var signature: [UInt8]?

    /// A signature.
    public init(algorithm: String? = nil, signature: [UInt8]? = nil) {
        self.algorithm = algorithm
        self.signature = signature
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(string: algorithm)
        buffer.writeUA(byteString: signature)
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        algorithm = try r.readString("a signature algorithm")
        signature = try r.readByteString("a signature")
    }
}

/// A software certificate with its signature (Part 4, 7.37), kept only to read past it.
struct SignedSoftwareCertificate: OPCUACodable {
    var certificateData: [UInt8]?
    var signature: [UInt8]?

    func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(byteString: certificateData)
        buffer.writeUA(byteString: signature)
    }

    init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        certificateData = try r.readByteString("a software certificate")
        signature = try r.readByteString("a software certificate's signature")
    }
}

/// CreateSession (Part 4, 5.6.2).
public struct CreateSessionRequest: ServiceRequest {
    /// The response type.
    public typealias Response = CreateSessionResponse
    /// CreateSessionRequest_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 461
    /// The header.
    public var requestHeader = RequestHeader()
    /// The client.
    public var clientDescription: ApplicationDescription
    /// The server's URI (null: any).
    public var serverURI: String?
    /// The endpoint URL the client connected to.
    public var endpointURL: String
    /// A name for the session, for the server's diagnostics.
    public var sessionName: String
    /// The client's nonce (32 bytes or more when the channel is secure).
    public var clientNonce: [UInt8]?
    /// The client's certificate (DER), when the channel is secure.
    public var clientCertificate: [UInt8]?
    /// How long the session lives without requests, in milliseconds.
    public var requestedSessionTimeout: Double
    /// The largest response the client takes (0: no limit).
    public var maxResponseMessageSize: UInt32

    /// A request.
    public init(
        clientDescription: ApplicationDescription, endpointURL: String, sessionName: String, clientNonce: [UInt8]?, clientCertificate: [UInt8]?,
        requestedSessionTimeout: Double, maxResponseMessageSize: UInt32
    ) {
        self.clientDescription = clientDescription
        serverURI = nil
        self.endpointURL = endpointURL
        self.sessionName = sessionName
        self.clientNonce = clientNonce
        self.clientCertificate = clientCertificate
        self.requestedSessionTimeout = requestedSessionTimeout
        self.maxResponseMessageSize = maxResponseMessageSize
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(requestHeader)
        buffer.writeUA(clientDescription)
        buffer.writeUA(string: serverURI)
        buffer.writeUA(string: endpointURL)
        buffer.writeUA(string: sessionName)
        buffer.writeUA(byteString: clientNonce)
        buffer.writeUA(byteString: clientCertificate)
        buffer.writeUA(requestedSessionTimeout)
        buffer.writeUA(maxResponseMessageSize)
    }
}

/// The new session.
public struct CreateSessionResponse: ServiceResponse {
    /// CreateSessionResponse_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 464
    /// The header.
    public var responseHeader: ResponseHeader
    /// The session's public id.
    public var sessionId: NodeId
    /// The secret every later request carries.
    public var authenticationToken: NodeId
    /// The session timeout granted, in milliseconds.
    public var revisedSessionTimeout: Double
    /// The server's nonce, for the client's signature and the user's password.
    public var serverNonce: [UInt8]?
    /// The server's certificate.
    public var serverCertificate: [UInt8]?
    /// The server's endpoints, to check against GetEndpoints.
    public var serverEndpoints: [EndpointDescription]
    /// The server's signature over the client's certificate and nonce.
    public var serverSignature: SignatureData
    /// The largest request the server takes.
    public var maxRequestMessageSize: UInt32

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        responseHeader = try r.read()
        sessionId = try r.read()
        authenticationToken = try r.read()
        revisedSessionTimeout = try r.readDouble()
        serverNonce = try r.readByteString("a server nonce")
        serverCertificate = try r.readByteString("a server certificate")
        serverEndpoints = try r.readArray(of: EndpointDescription.self, "server endpoints")
        _ = try r.readArray(of: SignedSoftwareCertificate.self, "software certificates")
        serverSignature = try r.read()
        maxRequestMessageSize = try r.read(UInt32.self, "a maximum request size")
    }
}

/// The anonymous user (Part 4, 7.41.3).
public struct AnonymousIdentityToken: Sendable, OPCUACodable {
    /// AnonymousIdentityToken_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 321
    /// The server's policy id for anonymous users.
    public var policyId: String?

    /// A token.
    public init(policyId: String?) { self.policyId = policyId }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) { buffer.writeUA(string: policyId) }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) { policyId = try r.readString("a policy id") }
}

/// A user name and password (Part 4, 7.41.4); the password as the policy requires (plain, or encrypted
/// with the server's key together with its nonce).
public struct UserNameIdentityToken: Sendable, OPCUACodable {
    /// UserNameIdentityToken_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 324
    /// The server's policy id for user names.
    public var policyId: String?
    /// The user.
    public var userName: String?
    /// The password, plain or encrypted.
    public var password: [UInt8]?
    /// The encryption algorithm's URI, null when plain.
    public var encryptionAlgorithm: String?

    /// A token.
    public init(policyId: String?, userName: String, password: [UInt8], encryptionAlgorithm: String?) {
        self.policyId = policyId
        self.userName = userName
        self.password = password
        self.encryptionAlgorithm = encryptionAlgorithm
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(string: policyId)
        buffer.writeUA(string: userName)
        buffer.writeUA(byteString: password)
        buffer.writeUA(string: encryptionAlgorithm)
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        policyId = try r.readString("a policy id")
        userName = try r.readString("a user name")
        password = try r.readByteString("a password")
        encryptionAlgorithm = try r.readString("an encryption algorithm")
    }
}

/// ActivateSession: the client proves it holds its key and says who the user is (Part 4, 5.6.3).
public struct ActivateSessionRequest: ServiceRequest {
    /// The response type.
    public typealias Response = ActivateSessionResponse
    /// ActivateSessionRequest_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 467
    /// The header.
    public var requestHeader = RequestHeader()
    /// The client's signature over the server's certificate and nonce.
    public var clientSignature = SignatureData()
    /// Locales, most preferred first.
    public var localeIds: [String] = []
    /// The user: an anonymous or user-name token.
    public var userIdentityToken: ExtensionObject
    /// The user's signature (certificate users only).
    public var userTokenSignature = SignatureData()

    /// A request.
    public init(userIdentityToken: ExtensionObject) { self.userIdentityToken = userIdentityToken }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(requestHeader)
        buffer.writeUA(clientSignature)
        buffer.writeUA(array: [SignedSoftwareCertificate]())
        buffer.writeUA(strings: localeIds)
        buffer.writeUA(userIdentityToken)
        buffer.writeUA(userTokenSignature)
    }
}

/// The activated session.
public struct ActivateSessionResponse: ServiceResponse {
    /// ActivateSessionResponse_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 470
    /// The header.
    public var responseHeader: ResponseHeader
    /// A new nonce for the next activation.
    public var serverNonce: [UInt8]?
    /// Results for the software certificates.
    public var results: [StatusCode]

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        responseHeader = try r.read()
        serverNonce = try r.readByteString("a server nonce")
        results = try r.readStatusCodes("results")
        _ = try r.readDiagnostics()
    }
}

/// CloseSession (Part 4, 5.6.4).
public struct CloseSessionRequest: ServiceRequest {
    /// The response type.
    public typealias Response = CloseSessionResponse
    /// CloseSessionRequest_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 473
    /// The header.
    public var requestHeader = RequestHeader()
    /// Whether the server deletes the session's subscriptions.
    public var deleteSubscriptions: Bool

    /// A request.
    public init(deleteSubscriptions: Bool) { self.deleteSubscriptions = deleteSubscriptions }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(requestHeader)
        buffer.writeUA(deleteSubscriptions)
    }
}

/// The closed session.
public struct CloseSessionResponse: ServiceResponse {
    /// CloseSessionResponse_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 476
    /// The header.
    public var responseHeader: ResponseHeader

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) { responseHeader = try r.read() }
}
