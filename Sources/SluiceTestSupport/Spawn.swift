import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why a program could not be started.
struct SpawnError: Error, CustomStringConvertible {
    let description: String
}

/// Starts `executable` with `arguments`: standard input from /dev/null, standard output and error to the
/// file `output`, and no other descriptor of this process, with `attributes` if given. Returns its id.
///
/// A long-lived child (the PostgreSQL server, the broker) holding a copy of another child's output pipe
/// would keep that pipe open, and whoever reads it to its end would wait forever; so nothing else is handed on.
func spawn(_ executable: String, _ arguments: [String], output: String = "/dev/null", attributes: UnsafePointer<posix_spawnattr_t>? = nil) throws
    -> pid_t
{
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    closeInheritedDescriptors(&actions)
    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var processID: pid_t = 0
    let rc = posix_spawn(&processID, executable, &actions, attributes, argv, environ)
    guard rc == 0 else { throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(rc)))") }
    return processID
}

/// Starts `executable` like ``spawn(_:_:output:attributes:)``, with no signal blocked and the usual ones at their
/// default action. The spawning thread (a Dispatch worker) may have SIGTERM blocked, and a child inherits that
/// mask, so a server started by `Process` would ignore the SIGTERM that stops it.
func spawnResettingSignals(_ executable: String, _ arguments: [String], output: String = "/dev/null") throws -> pid_t {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var defaultSignals = sigset_t()
    sigemptyset(&defaultSignals)
    for signal in [SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE] {
        sigaddset(&defaultSignals, signal)
    }
    posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    return try spawn(executable, arguments, output: output, attributes: &attributes)
}

/// Adds to `actions` a close of every descriptor above standard error.
private func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
    // glibc 2.34 has posix_spawn_file_actions_addclosefrom_np, but its header hides it from Swift.
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
        _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
        return
    }
    // An older C library: close what is open now, one by one.
    let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
        posix_spawn_file_actions_addclose(&actions, descriptor)
    }
}
