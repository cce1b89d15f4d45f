/// An `opc.tcp://host[:port][/path]` endpoint URL, port 4840 when none is given.
public struct OPCUAEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The host name or address.
    public var host: String
    /// The TCP port.
    public var port: Int
    /// The path after the port ("" when none).
    public var path: String

    /// Parses `text`.
    public init(parsing text: String) throws(OPCUAError) {
        let scheme = "opc.tcp://"
        guard text.lowercased().hasPrefix(scheme) else {
            throw OPCUAError(
                .invalidEndpoint, "'\(text)' is not an OPC UA endpoint: it must start with opc.tcp:// (for example opc.tcp://plc.local:4840)")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            rest = rest[..<slash]
        }
        var host = String(rest)
        var port = 4840
        if rest.hasPrefix("[") {
            // An IPv6 address in brackets, perhaps with a port after them.
            guard let close = rest.firstIndex(of: "]") else {
                throw OPCUAError(.invalidEndpoint, "'\(text)' has an IPv6 address without its closing ']'")
            }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else {
                    throw OPCUAError(.invalidEndpoint, "'\(text)' has a port that is not a number from 1 to 65535")
                }
                port = p
            }
        } else if let colon = rest.lastIndex(of: ":") {
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else {
                throw OPCUAError(.invalidEndpoint, "'\(text)' has a port that is not a number from 1 to 65535")
            }
            host = String(rest[..<colon])
            port = p
        }
        guard !host.isEmpty else { throw OPCUAError(.invalidEndpoint, "'\(text)' names no host") }
        self.host = host
        self.port = port
        self.path = path
    }

    /// The URL, `opc.tcp://host:port/path`.
    public var description: String {
        "opc.tcp://\(host.contains(":") ? "[\(host)]" : host):\(port)\(path)"
    }
}
