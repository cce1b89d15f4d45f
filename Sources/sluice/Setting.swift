import ArgumentParser
import Foundation

/// The one way the commands read a setting: the command-line option when it is given, else the `SLUICE_*`
/// environment variable, else the default.
///
/// Options carry no value taken from the environment, so `--help` never shows what an environment variable
/// holds (a password in `SLUICE_STORE`, a token in `SLUICE_TOKEN`); their help says which variable they read
/// and what the default is. A value that does not parse is an error naming where it came from, never a
/// silent fallback to the default.
enum Setting {
    /// The environment the settings are read from.
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The option, else the variable (when set and not empty).
    static func text(_ option: String?, _ variable: String) -> String? {
        if let option { return option }
        guard let value = environment[variable], !value.isEmpty else { return nil }
        return value
    }

    /// The option, else the variable, else `fallback`.
    static func text(_ option: String?, _ variable: String, default fallback: String) -> String {
        text(option, variable) ?? fallback
    }

    /// A whole number from the option, else the variable, else `fallback`, which must lie in `range`; `what`
    /// says what it is for the error (`a port number`).
    static func integer(_ option: Int?, _ variable: String, default fallback: Int, in range: ClosedRange<Int>, what: String, flag: String) throws
        -> Int
    {
        let value: Int
        if let option {
            value = option
        } else if let text = environment[variable], !text.isEmpty {
            guard let parsed = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError(
                    "\(variable) is '\(text)': it should be \(what), a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            guard range.contains(parsed) else {
                throw ValidationError("\(variable) is \(parsed): it should be \(what) from \(range.lowerBound) to \(range.upperBound)")
            }
            return parsed
        } else {
            value = fallback
        }
        guard range.contains(value) else { throw ValidationError("\(flag) must be between \(range.lowerBound) and \(range.upperBound)") }
        return value
    }
}
