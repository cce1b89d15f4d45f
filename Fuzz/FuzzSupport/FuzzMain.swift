import Foundation

/// The entry of a fuzz target. Built for libFuzzer (with -DFUZZING, as the scripts/fuzz-*.sh scripts
/// build), it hands over to libFuzzer's driver, which calls `exercise` with each input. Built normally, it
/// replays the files or folders given on the command line, and `--seeds DIR` calls `writeSeeds` to write a
/// seed corpus there.
public func fuzzMain(name: String, exercise: @escaping @Sendable ([UInt8]) -> Void, writeSeeds: (String) throws -> Void) throws {
    #if FUZZING
        target.withLock { $0 = exercise }
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(
            runDriver(&argc, &argv) { data, size in
                let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
                target.withLock { $0 }?(input)
                return 0
            })
    #else
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "--seeds", arguments.count == 2 {
            try FileManager.default.createDirectory(atPath: arguments[1], withIntermediateDirectories: true)
            try writeSeeds(arguments[1])
            return
        }
        guard !arguments.isEmpty else {
            print("usage: \(name) FILE|FOLDER…   (replays inputs; --seeds DIR writes a seed corpus)")
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
    #endif
}

#if FUZZING
    import Synchronization

    /// What libFuzzer's C callback runs: a C function pointer cannot capture it.
    private let target = Mutex<(@Sendable ([UInt8]) -> Void)?>(nil)

    /// libFuzzer's driver, from the toolchain's fuzzer runtime.
    @_silgen_name("LLVMFuzzerRunDriver")
    private func runDriver(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt
#endif
