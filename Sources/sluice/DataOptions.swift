public import ArgumentParser
import SluiceAnomaly
import SluiceTelemetry

/// Options shared by commands that read a telemetry CSV.
struct DataOptions: ParsableArguments {
    @Option(help: "Telemetry CSV: a header row, a time column (datetime/time/timestamp), one column per sensor.")
    var data: String

    @Option(help: "Keep only the rows of this asset (files with an 'asset' column).")
    var asset: String?

    @Option(help: "Field separator (',', ';' or 'tab'); detected from the header when left out.")
    var separator: String?

    func validate() throws {
        if let separator, separatorCharacter == nil {
            throw ValidationError("--separator must be ',', ';' or 'tab', got '\(separator)'")
        }
    }

    var separatorCharacter: Character? {
        switch separator {
        case nil: nil
        case "tab", "\\t": "\t"
        case let s? where s.count == 1 && [",", ";"].contains(s): Character(s)
        default: nil
        }
    }

    /// Reading options. Label columns are kept out of the sensors but not parsed: models never read them,
    /// and live data may leave them empty.
    func options(sensors: [String]? = nil, minimumRows: Int = 1) -> TelemetryCSV.Options {
        TelemetryCSV.Options(
            separator: separatorCharacter, sensors: sensors, filter: asset.map { ("asset", $0) }, minimumRows: minimumRows, readsLabels: false)
    }
}

extension AnomalyModelKind: ExpressibleByArgument {}
