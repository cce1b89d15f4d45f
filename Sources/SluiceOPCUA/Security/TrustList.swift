import Foundation

/// The server certificates this client trusts: the DER or PEM files in a folder. A server whose certificate
/// is not there is refused, its certificate saved beside the folder (in `rejected/`) so that a person who
/// trusts it can move it in.
public struct TrustList: Sendable {
    /// The folder.
    public let folder: String
    /// The trusted certificates, DER.
    let certificates: Set<[UInt8]>

    /// Reads every certificate in `folder`.
    public init(folder: String) throws(OPCUAError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw OPCUAError(
                .securityConfiguration, "the trust list folder \(folder) does not exist; create it and put the server's certificate in it")
        }
        var certificates: Set<[UInt8]> = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where [".der", ".pem", ".crt", ".cer"].contains(where: name.hasSuffix) {
            if let data = FileManager.default.contents(atPath: folder + "/" + name), let der = try? ApplicationCertificate.der(data) {
                certificates.insert(der)
            }
        }
        self.folder = folder
        self.certificates = certificates
    }

    /// Checks that `certificate` is trusted; otherwise saves it under `rejected/` and throws an error with
    /// its thumbprint and what to do.
    func check(_ certificate: [UInt8], endpoint: String) throws(OPCUAError) {
        guard !certificates.contains(certificate) else { return }
        let thumbprint = ApplicationCertificate.thumbprint(of: certificate)
        let rejected = URL(fileURLWithPath: folder).deletingLastPathComponent().appendingPathComponent("rejected")
        let saved = rejected.appendingPathComponent("\(thumbprint).der")
        try? FileManager.default.createDirectory(at: rejected, withIntermediateDirectories: true)
        let wrote = (try? Data(certificate).write(to: saved)) != nil
        throw OPCUAError(
            .untrustedCertificate,
            "the server at \(endpoint) presented a certificate that is not in the trust list \(folder) (SHA-1 thumbprint \(thumbprint))"
                + (wrote ? "; if you trust it, move \(saved.path) into \(folder)" : ""))
    }
}
