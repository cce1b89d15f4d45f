import CMosquitto
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Process-wide libmosquitto setup and translation of its status codes into operator-readable text.
enum Mosquitto {
    static let success = MOSQ_ERR_SUCCESS.rawValue

    /// Set up once, lazily and thread-safely (Swift global initialisation runs exactly once). libmosquitto must be initialised
    /// before the first client is created, and cleaning it up while any client might still exist is unsafe, so it is never torn down.
    private static let libraryInitialized: Int32 = mosquitto_lib_init()

    static func initialize() {
        _ = libraryInitialized
    }

    /// Describes a libmosquitto return code; `savedErrno` must be read right after the failing call because
    /// `MOSQ_ERR_ERRNO` means the real reason is in errno.
    static func describe(_ code: Int32, errno savedErrno: Int32) -> String {
        switch code {
        case MOSQ_ERR_ERRNO.rawValue:
            return String(cString: strerror(savedErrno))
        case MOSQ_ERR_EAI.rawValue:
            return "the host name could not be resolved"
        default:
            return trimmed(String(cString: mosquitto_strerror(code)))
        }
    }

    /// Text for a refused CONNACK (MQTT 3.1.1 return codes 1-5).
    static func describeConnack(_ code: Int32) -> String {
        trimmed(String(cString: mosquitto_connack_string(code)))
    }

    /// libmosquitto's strings end with a full stop; our messages add their own punctuation.
    private static func trimmed(_ text: String) -> String {
        text.hasSuffix(".") ? String(text.dropLast()) : text
    }
}

extension Duration {
    /// Whole milliseconds, rounded up so that a tiny positive timeout never becomes "do not wait".
    var roundedUpMilliseconds: Int {
        let (seconds, attoseconds) = components
        let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        let remainder = attoseconds % 1_000_000_000_000_000
        return Int(clamping: remainder > 0 ? millis + 1 : millis)
    }

    /// A deadline for `DispatchSemaphore.wait(timeout:)`.
    var dispatchDeadline: DispatchTime {
        .now() + .milliseconds(roundedUpMilliseconds)
    }

    /// Human-readable form for error messages, e.g. "5 s" or "250 ms".
    var readable: String {
        let millis = roundedUpMilliseconds
        return millis % 1000 == 0 ? "\(millis / 1000) s" : "\(millis) ms"
    }
}
