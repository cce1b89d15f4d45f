public import NIOCore

/// The outcome of an operation or the quality of a value (Part 4, 7.34; Part 6, 5.2.2.11): the top two bits
/// say Good, Uncertain or Bad, the next fourteen which code.
public struct StatusCode: Sendable, Hashable, CustomStringConvertible, OPCUACodable {
    /// The 32-bit code.
    public var rawValue: UInt32

    /// The status of `rawValue`.
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Whether the severity is Good.
    public var isGood: Bool { rawValue & 0xC000_0000 == 0 }
    /// Whether the severity is Uncertain.
    public var isUncertain: Bool { rawValue & 0xC000_0000 == 0x4000_0000 }
    /// Whether the severity is Bad.
    public var isBad: Bool { rawValue & 0x8000_0000 != 0 }

    /// The code without its info bits (the low 16), which is what the names name.
    public var code: UInt32 { rawValue & 0xFFFF_0000 }

    /// The specification's name (`BadNodeIdUnknown`), or the severity and the hexadecimal code.
    public var name: String {
        if let name = Self.names[code] { return name }
        let severity = isGood ? "Good" : isUncertain ? "Uncertain" : "Bad"
        return severity
    }

    /// `BadNodeIdUnknown (0x80340000)`.
    public var description: String {
        let hex = String(rawValue, radix: 16, uppercase: true)
        return "\(name) (0x\(String(repeating: "0", count: max(0, 8 - hex.count)) + hex))"
    }

    /// Appends the binary encoding.
    public func encode(to buffer: inout ByteBuffer) { buffer.writeUA(rawValue) }

    /// Reads the binary encoding.
    public init(from reader: inout OPCUAReader) throws(OPCUADecodingError) { rawValue = try reader.read(UInt32.self, "a status code") }

    /// Good.
    public static let good = StatusCode(0)
    /// BadUnexpectedError.
    public static let badUnexpectedError = StatusCode(0x8001_0000)
    /// BadDecodingError: the peer sent bytes that are not a valid encoding.
    public static let badDecodingError = StatusCode(0x8007_0000)
    /// BadEncodingLimitsExceeded: a length or a count over the negotiated limits.
    public static let badEncodingLimitsExceeded = StatusCode(0x8008_0000)
    /// BadTimeout.
    public static let badTimeout = StatusCode(0x800A_0000)
    /// BadCertificateUntrusted.
    public static let badCertificateUntrusted = StatusCode(0x801A_0000)
    /// BadUserAccessDenied.
    public static let badUserAccessDenied = StatusCode(0x801F_0000)
    /// BadIdentityTokenRejected.
    public static let badIdentityTokenRejected = StatusCode(0x8021_0000)
    /// BadSessionIdInvalid.
    public static let badSessionIdInvalid = StatusCode(0x8025_0000)
    /// BadNodeIdUnknown.
    public static let badNodeIdUnknown = StatusCode(0x8034_0000)
    /// BadTooManyPublishRequests.
    public static let badTooManyPublishRequests = StatusCode(0x8078_0000)
    /// BadNoSubscription.
    public static let badNoSubscription = StatusCode(0x8079_0000)
    /// BadMessageNotAvailable: Republish asked for a notification the server no longer has.
    public static let badMessageNotAvailable = StatusCode(0x807B_0000)
    /// BadTcpMessageTypeInvalid.
    public static let badTcpMessageTypeInvalid = StatusCode(0x807E_0000)
    /// BadTcpMessageTooLarge.
    public static let badTcpMessageTooLarge = StatusCode(0x8080_0000)
    /// BadTcpInternalError.
    public static let badTcpInternalError = StatusCode(0x8082_0000)
    /// BadSecureChannelClosed.
    public static let badSecureChannelClosed = StatusCode(0x8086_0000)
    /// BadConnectionClosed: the connection ended.
    public static let badConnectionClosed = StatusCode(0x80AE_0000)

    /// The names of the codes a reader of plant data meets, by code.
    static let names: [UInt32: String] = [
        0x0000_0000: "Good",
        0x00A6_0000: "GoodMoreData",
        0x002D_0000: "GoodSubscriptionTransferred",
        0x002F_0000: "GoodOverload",
        0x4000_0000: "Uncertain",
        0x408F_0000: "UncertainNoCommunicationLastUsableValue",
        0x4090_0000: "UncertainLastUsableValue",
        0x4091_0000: "UncertainSubstituteValue",
        0x4092_0000: "UncertainInitialValue",
        0x4093_0000: "UncertainSensorNotAccurate",
        0x4094_0000: "UncertainEngineeringUnitsExceeded",
        0x4095_0000: "UncertainSubNormal",
        0x8000_0000: "Bad",
        0x8001_0000: "BadUnexpectedError",
        0x8002_0000: "BadInternalError",
        0x8003_0000: "BadOutOfMemory",
        0x8004_0000: "BadResourceUnavailable",
        0x8005_0000: "BadCommunicationError",
        0x8006_0000: "BadEncodingError",
        0x8007_0000: "BadDecodingError",
        0x8008_0000: "BadEncodingLimitsExceeded",
        0x8009_0000: "BadUnknownResponse",
        0x800A_0000: "BadTimeout",
        0x800B_0000: "BadServiceUnsupported",
        0x800C_0000: "BadShutdown",
        0x800D_0000: "BadServerNotConnected",
        0x800E_0000: "BadServerHalted",
        0x800F_0000: "BadNothingToDo",
        0x8010_0000: "BadTooManyOperations",
        0x8011_0000: "BadDataTypeIdUnknown",
        0x8012_0000: "BadCertificateInvalid",
        0x8013_0000: "BadSecurityChecksFailed",
        0x8014_0000: "BadCertificateTimeInvalid",
        0x8015_0000: "BadCertificateIssuerTimeInvalid",
        0x8016_0000: "BadCertificateHostNameInvalid",
        0x8017_0000: "BadCertificateUriInvalid",
        0x8018_0000: "BadCertificateUseNotAllowed",
        0x8019_0000: "BadCertificateIssuerUseNotAllowed",
        0x801A_0000: "BadCertificateUntrusted",
        0x801B_0000: "BadCertificateRevocationUnknown",
        0x801C_0000: "BadCertificateIssuerRevocationUnknown",
        0x801D_0000: "BadCertificateRevoked",
        0x801E_0000: "BadCertificateIssuerRevoked",
        0x801F_0000: "BadUserAccessDenied",
        0x8020_0000: "BadIdentityTokenInvalid",
        0x8021_0000: "BadIdentityTokenRejected",
        0x8022_0000: "BadSecureChannelIdInvalid",
        0x8023_0000: "BadInvalidTimestamp",
        0x8024_0000: "BadNonceInvalid",
        0x8025_0000: "BadSessionIdInvalid",
        0x8026_0000: "BadSessionClosed",
        0x8027_0000: "BadSessionNotActivated",
        0x8028_0000: "BadSubscriptionIdInvalid",
        0x802A_0000: "BadRequestHeaderInvalid",
        0x802B_0000: "BadTimestampsToReturnInvalid",
        0x802C_0000: "BadRequestCancelledByClient",
        0x8031_0000: "BadNoCommunication",
        0x8032_0000: "BadWaitingForInitialData",
        0x8033_0000: "BadNodeIdInvalid",
        0x8034_0000: "BadNodeIdUnknown",
        0x8035_0000: "BadAttributeIdInvalid",
        0x8036_0000: "BadIndexRangeInvalid",
        0x8037_0000: "BadIndexRangeNoData",
        0x8038_0000: "BadDataEncodingInvalid",
        0x8039_0000: "BadDataEncodingUnsupported",
        0x803A_0000: "BadNotReadable",
        0x803B_0000: "BadNotWritable",
        0x803C_0000: "BadOutOfRange",
        0x803D_0000: "BadNotSupported",
        0x803E_0000: "BadNotFound",
        0x803F_0000: "BadObjectDeleted",
        0x8040_0000: "BadNotImplemented",
        0x8041_0000: "BadMonitoringModeInvalid",
        0x8042_0000: "BadMonitoredItemIdInvalid",
        0x8043_0000: "BadMonitoredItemFilterInvalid",
        0x8044_0000: "BadMonitoredItemFilterUnsupported",
        0x8045_0000: "BadFilterNotAllowed",
        0x804A_0000: "BadContinuationPointInvalid",
        0x804B_0000: "BadNoContinuationPoints",
        0x804C_0000: "BadReferenceTypeIdInvalid",
        0x804D_0000: "BadBrowseDirectionInvalid",
        0x804E_0000: "BadNodeNotInView",
        0x8053_0000: "BadRequestTypeInvalid",
        0x8054_0000: "BadSecurityModeRejected",
        0x8055_0000: "BadSecurityPolicyRejected",
        0x8056_0000: "BadTooManySessions",
        0x8057_0000: "BadUserSignatureInvalid",
        0x8058_0000: "BadApplicationSignatureInvalid",
        0x8059_0000: "BadNoValidCertificates",
        0x8074_0000: "BadTypeMismatch",
        0x8077_0000: "BadTooManySubscriptions",
        0x8078_0000: "BadTooManyPublishRequests",
        0x8079_0000: "BadNoSubscription",
        0x807A_0000: "BadSequenceNumberUnknown",
        0x807B_0000: "BadMessageNotAvailable",
        0x807D_0000: "BadTcpServerTooBusy",
        0x807E_0000: "BadTcpMessageTypeInvalid",
        0x807F_0000: "BadTcpSecureChannelUnknown",
        0x8080_0000: "BadTcpMessageTooLarge",
        0x8081_0000: "BadTcpNotEnoughResources",
        0x8082_0000: "BadTcpInternalError",
        0x8083_0000: "BadTcpEndpointUrlInvalid",
        0x8084_0000: "BadRequestInterrupted",
        0x8085_0000: "BadRequestTimeout",
        0x8086_0000: "BadSecureChannelClosed",
        0x8087_0000: "BadSecureChannelTokenUnknown",
        0x8088_0000: "BadSequenceNumberInvalid",
        0x8089_0000: "BadConfigurationError",
        0x808A_0000: "BadNotConnected",
        0x808B_0000: "BadDeviceFailure",
        0x808C_0000: "BadSensorFailure",
        0x808D_0000: "BadOutOfService",
        0x808E_0000: "BadDeadbandFilterInvalid",
        0x80AB_0000: "BadInvalidArgument",
        0x80AE_0000: "BadConnectionClosed",
        0x80B8_0000: "BadRequestTooLarge",
        0x80B9_0000: "BadResponseTooLarge",
        0x80BE_0000: "BadProtocolVersionUnsupported",
        0x80DB_0000: "BadTooManyMonitoredItems",
    ]
}
