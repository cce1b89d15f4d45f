import Foundation
import FuzzSupport
import SluiceTelemetry

// The fuzz target of the telemetry body parser that `POST /v1/telemetry` and MQTT ingest use: any input
// must end in a batch (whose items may carry their problems) or a TelemetryJSONError, never a crash.
//
// Built for libFuzzer by scripts/fuzz-telemetry.sh (with -DFUZZING); built normally, it replays the files or
// folders given on the command line, and `--seeds DIR` writes a seed corpus of bodies.

/// Runs one input through the parser and reads every field it produced.
func exercise(_ bytes: [UInt8]) {
    guard let batch = try? TelemetryBatch.decode(Data(bytes)) else { return }
    var seen = 0
    for sample in batch.samples {
        seen &+= (sample.asset?.utf8.count ?? 0) &+ (sample.time?.utf8.count ?? 0) &+ (sample.problem?.utf8.count ?? 0)
        for (key, value) in sample.values ?? [:] {
            seen &+= key.utf8.count
            if case .invalid(let text) = value { seen &+= text.utf8.count }
        }
    }
    for movement in batch.movements { seen &+= (movement.item?.utf8.count ?? 0) &+ (movement.kind?.utf8.count ?? 0) }
    precondition(seen >= 0)
}

@main
struct Main {
    static func main() throws { try fuzzMain(name: "TelemetryFuzz", exercise: exercise, writeSeeds: writeSeeds) }

    /// Bodies as clients send them: a good batch, one with escapes and odd numbers, one with bad items.
    static func writeSeeds(to folder: String) throws {
        let seeds = [
            "good":
                #"{"samples":[{"asset":"press-01","time":"2026-11-21T08:00:00.250Z","values":{"temperature":71.4,"pressure":12.8}}],"movements":[{"item":"BRG-6204","kind":"consumption","quantity":4,"time":"2026-11-21T08:00:00Z"}]}"#,
            "escapes":
                #"{"samples":[{"asset":"a\u00e9\"\\b","time":"2026-11-21T08:00:00Z","values":{"x\ny":-1.5e-300,"z":123456789012345678901234567890,"w":0.1}}],"extra":[1,{"a":null},true]}"#,
            "bad-items": #"{"samples":[{"asset":1,"time":null,"values":{"t":"hot","u":[1]}},{"values":7},3],"movements":{}}"#,
        ]
        for (name, text) in seeds { try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name)) }
    }
}
