public import Hummingbird
public import SluiceService

/// The request context of Sluice's routes: the core context plus who is calling, once authenticated.
public struct SluiceRequestContext: RequestContext {
    /// Hummingbird's core context.
    public var coreContext: CoreRequestContextStorage
    /// The caller, set by the authentication middleware.
    public var principal: Principal?

    /// A context for a new request.
    public init(source: Source) {
        coreContext = .init(source: source)
        principal = nil
    }

    /// Request bodies up to 16 MiB (a telemetry batch of 50,000 samples fits); larger ones get 413.
    public var maxUploadSize: Int { 16 * 1_024 * 1_024 }

    /// The caller; routes behind the authentication middleware always have one.
    func caller() throws -> Principal {
        guard let principal else { throw ServiceError.unauthorized("no token") }
        return principal
    }
}
