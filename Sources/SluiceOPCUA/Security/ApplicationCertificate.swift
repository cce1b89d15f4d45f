import Crypto
import Foundation
import SwiftASN1
import X509
public import _CryptoExtras

/// The client's application instance certificate and its private key (Part 6, 6.2.2): an RSA 2048 key,
/// self-signed with SHA-256, whose subject alternative names carry the application URI and the host name.
/// Servers with security check it, and the application URI the client announces must be the one it carries.
public struct ApplicationCertificate: Sendable {
    /// The certificate, DER.
    public let der: [UInt8]
    /// The private key.
    public let privateKey: _RSA.Signing.PrivateKey
    /// The application URI from the certificate's subject alternative names.
    public let applicationURI: String
    /// The SHA-1 thumbprint of the DER, as servers name certificates.
    public var thumbprint: String { Self.thumbprint(of: der) }

    /// Reads a certificate (DER or PEM) and its private key (PEM or DER).
    public init(certificateFile: String, privateKeyFile: String) throws(OPCUAError) {
        guard let certificateData = FileManager.default.contents(atPath: certificateFile) else {
            throw OPCUAError(
                .securityConfiguration, "cannot read the client certificate \(certificateFile); make one with `sluice opcua certificate`")
        }
        guard let keyData = FileManager.default.contents(atPath: privateKeyFile) else {
            throw OPCUAError(
                .securityConfiguration, "cannot read the client's private key \(privateKeyFile); make one with `sluice opcua certificate`")
        }
        do {
            let der = try Self.der(certificateData)
            let text = String(decoding: keyData, as: UTF8.self)
            let key =
                text.contains("-----BEGIN")
                ? try _RSA.Signing.PrivateKey(unsafePEMRepresentation: text) : try _RSA.Signing.PrivateKey(unsafeDERRepresentation: keyData)
            let certificate = try Certificate(derEncoded: der)
            guard let publicKey = _RSA.Signing.PublicKey(certificate.publicKey), publicKey.derRepresentation == key.publicKey.derRepresentation else {
                throw OPCUAError(.securityConfiguration, "the private key \(privateKeyFile) does not belong to the certificate \(certificateFile)")
            }
            guard let uri = Self.applicationURI(of: certificate) else {
                throw OPCUAError(
                    .securityConfiguration, "the certificate \(certificateFile) names no application URI in its subject alternative names")
            }
            self.der = der
            privateKey = key
            applicationURI = uri
        } catch let error as OPCUAError {
            throw error
        } catch {
            throw OPCUAError(.securityConfiguration, "cannot read the certificate \(certificateFile) and key \(privateKeyFile): \(error)")
        }
    }

    /// Makes a new key and a self-signed certificate for `applicationURI`, valid for `years` from now.
    public init(applicationURI: String, commonName: String, hostName: String, years: Int = 5) throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let name = try DistinguishedName {
            CommonName(commonName)
            OrganizationName("Sluice")
        }
        let now = Date()
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true, nonRepudiation: true, keyEncipherment: true, dataEncipherment: true, keyCertSign: true))
            try ExtendedKeyUsage([.serverAuth, .clientAuth])
            SubjectAlternativeNames([.uniformResourceIdentifier(applicationURI), .dnsName(hostName)])
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(Double(years) * 365.25 * 86_400), issuer: name,
            subject: name, signatureAlgorithm: .sha256WithRSAEncryption, extensions: extensions, issuerPrivateKey: Certificate.PrivateKey(key))
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        der = serializer.serializedBytes
        privateKey = key
        self.applicationURI = applicationURI
    }

    /// Writes the certificate (DER) and the private key (PEM, readable by its owner only).
    public func write(certificateFile: String, privateKeyFile: String) throws {
        try Data(der).write(to: URL(fileURLWithPath: certificateFile))
        guard
            FileManager.default.createFile(
                atPath: privateKeyFile, contents: Data(privateKey.pemRepresentation.utf8), attributes: [.posixPermissions: 0o600])
        else { throw OPCUAError(.securityConfiguration, "cannot write the private key \(privateKeyFile)") }
    }

    /// A certificate's DER from DER or PEM bytes.
    static func der(_ data: Data) throws -> [UInt8] {
        let text = String(decoding: data, as: UTF8.self)
        guard text.contains("-----BEGIN CERTIFICATE-----") else { return Array(data) }
        return try PEMDocument(pemString: text).derBytes
    }

    /// The first URI among a certificate's subject alternative names.
    static func applicationURI(of certificate: Certificate) -> String? {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return nil }
        for name in names { if case .uniformResourceIdentifier(let uri) = name { return uri } }
        return nil
    }

    /// The SHA-1 thumbprint of `der`, in hexadecimal pairs.
    public static func thumbprint(of der: [UInt8]) -> String {
        Insecure.SHA1.hash(data: der).map { String(format: "%02x", $0) }.joined()
    }
}
