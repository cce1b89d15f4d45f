public import NIOCore

/// A server or client application (Part 4, 7.2).
public struct ApplicationDescription: Sendable, Hashable, OPCUACodable {
    /// Server, client, both or discovery server.
    public enum ApplicationType: Int32, Sendable {
        /// A server.
        case server = 0
        /// A client.
        case client = 1
        /// Both.
        case clientAndServer = 2
        /// A discovery server.
        case discoveryServer = 3
    }

    /// The application's globally unique URI, which its certificate also carries.
    public var applicationURI: String?
    /// The product's URI.
    public var productURI: String?
    /// A name for people.
    public var applicationName: LocalizedText
    /// The kind of application.
    public var applicationType: Int32
    /// For a gateway, the server behind it.
    public var gatewayServerURI: String?
    /// The discovery profile.
    public var discoveryProfileURI: String?
    /// Where it can be discovered.
    public var discoveryURLs: [String]

    /// A description.
    public init(applicationURI: String, productURI: String, applicationName: String, applicationType: ApplicationType) {
        self.applicationURI = applicationURI
        self.productURI = productURI
        self.applicationName = LocalizedText(applicationName)
        self.applicationType = applicationType.rawValue
        gatewayServerURI = nil
        discoveryProfileURI = nil
        discoveryURLs = []
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(string: applicationURI)
        buffer.writeUA(string: productURI)
        buffer.writeUA(applicationName)
        buffer.writeUA(applicationType)
        buffer.writeUA(string: gatewayServerURI)
        buffer.writeUA(string: discoveryProfileURI)
        buffer.writeUA(strings: discoveryURLs)
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        applicationURI = try r.readString("an application URI")
        productURI = try r.readString("a product URI")
        applicationName = try r.read()
        applicationType = try r.read(Int32.self, "an application type")
        gatewayServerURI = try r.readString("a gateway server URI")
        discoveryProfileURI = try r.readString("a discovery profile URI")
        discoveryURLs = try r.readStrings("discovery URLs")
    }
}

/// A way a server accepts users (Part 4, 7.42).
public struct UserTokenPolicy: Sendable, Hashable, OPCUACodable {
    /// The kinds of user identity.
    public enum TokenType: Int32, Sendable {
        /// No user.
        case anonymous = 0
        /// A user name and password.
        case userName = 1
        /// An X.509 certificate.
        case certificate = 2
        /// A token from an authorisation service.
        case issuedToken = 3
    }

    /// The id the identity token must name.
    public var policyId: String?
    /// The kind of identity (raw, so a server's unknown kinds still decode).
    public var tokenType: Int32
    /// For issued tokens, their type.
    public var issuedTokenType: String?
    /// For issued tokens, the issuer.
    public var issuerEndpointURL: String?
    /// How the secret is protected; empty or null: as the endpoint's policy.
    public var securityPolicyURI: String?

    /// A policy.
    public init(policyId: String, tokenType: TokenType, securityPolicyURI: String? = nil) {
        self.policyId = policyId
        self.tokenType = tokenType.rawValue
        issuedTokenType = nil
        issuerEndpointURL = nil
        self.securityPolicyURI = securityPolicyURI
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(string: policyId)
        buffer.writeUA(tokenType)
        buffer.writeUA(string: issuedTokenType)
        buffer.writeUA(string: issuerEndpointURL)
        buffer.writeUA(string: securityPolicyURI)
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        policyId = try r.readString("a policy id")
        tokenType = try r.read(Int32.self, "a token type")
        issuedTokenType = try r.readString("an issued token type")
        issuerEndpointURL = try r.readString("an issuer endpoint URL")
        securityPolicyURI = try r.readString("a security policy URI")
    }
}

/// An endpoint of a server: its URL, security and the users it accepts (Part 4, 7.14).
public struct EndpointDescription: Sendable, Hashable, OPCUACodable {
    /// The endpoint URL.
    public var endpointURL: String?
    /// The server.
    public var server: ApplicationDescription
    /// The server's certificate (DER).
    public var serverCertificate: [UInt8]?
    /// The message security mode (raw).
    public var securityMode: Int32
    /// The security policy URI.
    public var securityPolicyURI: String?
    /// The user identities accepted.
    public var userIdentityTokens: [UserTokenPolicy]
    /// The transport profile.
    public var transportProfileURI: String?
    /// The server's ranking of this endpoint's security.
    public var securityLevel: UInt8

    /// The security mode, if it is one this client knows.
    public var mode: MessageSecurityMode? { MessageSecurityMode(rawValue: securityMode) }

    /// An endpoint.
    public init(endpointURL: String, server: ApplicationDescription, securityMode: MessageSecurityMode, securityPolicyURI: String) {
        self.endpointURL = endpointURL
        self.server = server
        serverCertificate = nil
        self.securityMode = securityMode.rawValue
        self.securityPolicyURI = securityPolicyURI
        userIdentityTokens = []
        transportProfileURI = "http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary"
        securityLevel = 0
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(string: endpointURL)
        buffer.writeUA(server)
        buffer.writeUA(byteString: serverCertificate)
        buffer.writeUA(securityMode)
        buffer.writeUA(string: securityPolicyURI)
        buffer.writeUA(array: userIdentityTokens)
        buffer.writeUA(string: transportProfileURI)
        buffer.writeUA(securityLevel)
    }

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        endpointURL = try r.readString("an endpoint URL")
        server = try r.read()
        serverCertificate = try r.readByteString("a server certificate")
        securityMode = try r.read(Int32.self, "a security mode")
        securityPolicyURI = try r.readString("a security policy URI")
        userIdentityTokens = try r.readArray(of: UserTokenPolicy.self, "user token policies")
        transportProfileURI = try r.readString("a transport profile URI")
        securityLevel = try r.read(UInt8.self, "a security level")
    }
}

/// GetEndpoints: the endpoints a server offers (Part 4, 5.4.4).
public struct GetEndpointsRequest: ServiceRequest {
    /// The response type.
    public typealias Response = GetEndpointsResponse
    /// GetEndpointsRequest_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 428
    /// The header.
    public var requestHeader = RequestHeader()
    /// The URL the client used.
    public var endpointURL: String
    /// Locales for the names returned.
    public var localeIds: [String] = []
    /// Transport profiles wanted (all when empty).
    public var profileURIs: [String] = []

    /// A request.
    public init(endpointURL: String) { self.endpointURL = endpointURL }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) {
        buffer.writeUA(requestHeader)
        buffer.writeUA(string: endpointURL)
        buffer.writeUA(strings: localeIds)
        buffer.writeUA(strings: profileURIs)
    }
}

/// The endpoints.
public struct GetEndpointsResponse: ServiceResponse {
    /// GetEndpointsResponse_Encoding_DefaultBinary.
    public static let encodingId: UInt32 = 431
    /// The header.
    public var responseHeader: ResponseHeader
    /// The endpoints.
    public var endpoints: [EndpointDescription]

    /// Reads the binary encoding.
    public init(from r: inout OPCUAReader) throws(OPCUADecodingError) {
        responseHeader = try r.read()
        endpoints = try r.readArray(of: EndpointDescription.self, "endpoints")
    }
}
