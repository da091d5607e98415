import Foundation
import SIPCore

// parse-bench [--seconds S] DIR
// Parses every file in DIR (one SIP message each) for S seconds per mode and prints:
//   eager <N> msgs/s <M> MB/s     (every header decoded into its typed form)
//   lazy <N> msgs/s <M> MB/s      (start line and header index; values typed on demand)

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("parse-bench: \(message)\n".utf8))
    exit(2)
}

enum Sink {
    nonisolated(unsafe) static var value = 0
}

@inline(never) func consume(_ n: Int) { Sink.value &+= n }

func main() {
    var seconds = 3.0
    var dir: String?
    var modes = ["eager", "lazy"]
    var fixedRounds: Int?
    var args = CommandLine.arguments.dropFirst()
    while let a = args.popFirst() {
        switch a {
        case "--seconds":
            guard let v = args.popFirst().flatMap(Double.init), v > 0 else { fail("--seconds needs a positive number") }
            seconds = v
        case "--mode":
            // Profiling aid: run one mode only.
            guard let m = args.popFirst(), ["eager", "lazy"].contains(m) else { fail("--mode takes eager or lazy") }
            modes = [m]
        case "--rounds":
            // Profiling aid: a fixed amount of work (for valgrind/callgrind) instead of a time budget.
            guard let v = args.popFirst().flatMap(Int.init), v > 0 else { fail("--rounds needs a positive integer") }
            fixedRounds = v
        case "-h", "--help":
            print("usage: parse-bench [--seconds S] DIR")
            exit(0)
        default:
            guard dir == nil else { fail("one DIR only") }
            dir = a
        }
    }
    guard let dir else { fail("usage: parse-bench [--seconds S] DIR") }

    let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    var corpus: [[UInt8]] = []
    for name in names {
        let path = (dir as NSString).appendingPathComponent(name)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
              let data = FileManager.default.contents(atPath: path) else { continue }
        let bytes = [UInt8](data)
        do { _ = try SIPMessage.parseStrict(bytes) } catch { fail("\(name) does not parse: \(error)") }
        corpus.append(bytes)
    }
    guard !corpus.isEmpty else { fail("no messages in \(dir)") }
    let corpusBytes = corpus.reduce(0) { $0 + $1.count }


    func measure(_ parse: ([UInt8]) -> Int) -> (msgs: Double, mb: Double) {
        let clock = ContinuousClock()
        // Warm up caches and allocator.
        for m in corpus { consume(parse(m)) }
        if let fixedRounds {
            for _ in 0..<fixedRounds { for m in corpus { consume(parse(m)) } }
            return (Double(fixedRounds * corpus.count), 0)
        }
        let start = clock.now
        let budget = Duration.milliseconds(Int64(seconds * 1000))
        var rounds = 0
        var elapsed = Duration.zero
        repeat {
            for m in corpus { consume(parse(m)) }
            rounds += 1
            elapsed = clock.now - start
        } while elapsed < budget
        let s = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (Double(rounds * corpus.count) / s, Double(rounds * corpusBytes) / s / 1e6)
    }

    if modes.contains("eager") {
    let eager = measure { bytes in
        guard let (m, typed) = try? SIPMessage.parseStrict(bytes) else { return 0 }
        return m.headerCount &+ typed.count
    }
    print("eager \(Int(eager.msgs)) msgs/s \(String(format: "%.1f", eager.mb)) MB/s")
    }
    if modes.contains("lazy") {
    let lazy = measure { bytes in
        guard let m = try? SIPMessage(parsing: bytes) else { return 0 }
        return m.headerCount
    }
    print("lazy \(Int(lazy.msgs)) msgs/s \(String(format: "%.1f", lazy.mb)) MB/s")
    }
    if Sink.value == 42 { FileHandle.standardError.write(Data("\n".utf8)) }
}

main()
