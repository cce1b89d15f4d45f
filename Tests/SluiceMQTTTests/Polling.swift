import Foundation

/// Polls `condition` until it holds or `timeout` passes; tests wait on real network activity, which has no completion handle.
/// The timeout is generous because other suites run real servers beside these on two cores; a condition that holds returns at once.
func eventually(timeout: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if condition() {
            return true
        }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
