import Foundation
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

#if FUZZING
    /// libFuzzer's driver, from the toolchain's fuzzer runtime.
    @_silgen_name("LLVMFuzzerRunDriver")
    func runDriver(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// The package's executable entry hands over to libFuzzer, which calls back with each input.
    @main
    struct Fuzz {
        static func main() {
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(
                runDriver(&argc, &argv) { data, size in
                    exercise(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
                    return 0
                })
        }
    }
#else
    @main
    struct Replay {
        static func main() throws {
            let arguments = Array(CommandLine.arguments.dropFirst())
            if arguments.first == "--seeds", arguments.count == 2 {
                try writeSeeds(to: arguments[1])
                return
            }
            guard !arguments.isEmpty else {
                print("usage: TelemetryFuzz FILE|FOLDER…   (replays inputs; --seeds DIR writes a seed corpus)")
                return
            }
            var count = 0
            for path in arguments {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                    print("no such file: \(path)")
                    continue
                }
                let files = isFolder.boolValue ? try FileManager.default.contentsOfDirectory(atPath: path).map { path + "/" + $0 } : [path]
                for file in files {
                    exercise(Array(try Data(contentsOf: URL(fileURLWithPath: file))))
                    count += 1
                }
            }
            print("replayed \(count) inputs without a crash")
        }

        /// Bodies as clients send them: a good batch, one with escapes and odd numbers, one with bad items.
        static func writeSeeds(to folder: String) throws {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
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
#endif
