import Hummingbird
import Logging
import SluiceService
import SluiceStore
import SluiceTelemetry

/// Turns the service's expected errors into HTTP errors with their status and message; anything else is
/// logged and answered with a bare 500 that leaks nothing.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServiceError {
            var headers: HTTPFields = [:]
            if error.kind == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
            if let seconds = error.retryAfter { headers[.retryAfter] = String(seconds) }
            throw HTTPError(Self.status(of: error.kind), headers: headers, message: error.message)
        } catch let error as TelemetryJSONError {
            throw HTTPError(.badRequest, message: error.message)
        } catch let error as StoreError {
            context.logger.error("store error", metadata: ["error": "\(error)"])
            throw HTTPError(.serviceUnavailable, message: "the store cannot take the request now; try again")
        }
    }

    static func status(of kind: ServiceError.Kind) -> HTTPResponse.Status {
        switch kind {
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .invalid: .badRequest
        case .tooLarge: .contentTooLarge
        case .unavailable: .serviceUnavailable
        case .busy: .tooManyRequests
        }
    }
}

/// Authenticates the bearer token of every request it guards and puts the caller in the context.
struct AuthenticationMiddleware: RouterMiddleware {
    let tokens: TokenAuthority

    func handle(_ request: Request, context: SluiceRequestContext, next: (Request, SluiceRequestContext) async throws -> Response) async throws
        -> Response
    {
        var context = context
        context.principal = try tokens.authenticate(authorization: request.headers[.authorization])
        return try await next(request, context)
    }
}
