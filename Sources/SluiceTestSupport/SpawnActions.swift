import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Adds to `actions` a close of every descriptor above standard error, so that a child keeps nothing of
/// the test process. A long-lived child (the PostgreSQL server, the broker) holding a copy of another
/// child's output pipe would keep that pipe open, and whoever reads it to its end would wait forever.
func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
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
