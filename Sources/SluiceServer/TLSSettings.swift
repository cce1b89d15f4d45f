public import NIOSSL

/// TLS for the server's listener, from PEM files: the server's certificate chain and private key and,
/// for mutual TLS, the certificate authorities whose client certificates it requires.
///
/// With `clientCA` set, a client without a certificate signed by one of those authorities is refused
/// during the handshake, before any request is read; tokens are still checked on every request after it.
public struct TLSSettings: Sendable {
    /// PEM file with the server's certificate, then any intermediates.
    public var certificate: String
    /// PEM file with the server's private key.
    public var privateKey: String
    /// PEM file with the authorities that sign client certificates; nil: clients need no certificate.
    public var clientCA: String?

    /// Settings from the three files.
    public init(certificate: String, privateKey: String, clientCA: String? = nil) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.clientCA = clientCA
    }

    /// The listener's TLS configuration (TLS 1.2 or later), checked now: a missing or unreadable file, or
    /// a key that does not belong to the certificate, is a ``TLSSettingsError`` naming the file.
    public func configuration() throws -> TLSConfiguration {
        let chain = try certificates(certificate, what: "certificate (--tls-certificate)")
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: privateKey, format: .pem)
        } catch {
            throw TLSSettingsError("cannot read the private key (--tls-key) at \(privateKey): \(error); expected a PEM file")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let clientCA {
            configuration.trustRoots = .certificates(try certificates(clientCA, what: "client authority (--tls-client-ca)"))
            // Client certificates name devices, not host names: the chain is verified, the name is not.
            configuration.certificateVerification = .noHostnameVerification
        }
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSSettingsError(
                "cannot use the certificate \(certificate) with the key \(privateKey): \(error); check that the key belongs to the certificate")
        }
        return configuration
    }

    private func certificates(_ path: String, what: String) throws -> [NIOSSLCertificate] {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw TLSSettingsError("cannot read the \(what) at \(path): \(error); expected a PEM file")
        }
        guard !chain.isEmpty else { throw TLSSettingsError("the \(what) file \(path) holds no certificate") }
        return chain
    }
}

/// TLS settings that cannot be used, said with the file.
public struct TLSSettingsError: Error, Sendable, CustomStringConvertible {
    /// What is wrong and where.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
