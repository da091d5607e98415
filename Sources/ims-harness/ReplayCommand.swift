import ArgumentParser
import Capture
import Foundation

struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-send the requests one side of a capture sent, to a live target.",
        discussion: """
            Replays the requests sent by the first request's sender (or --filter from=ADDR), optionally \
            only one Call-ID, and prints what came back. --rewrite gives fresh Call-IDs, branches and From \
            tags, To tags learned from replies, and a Via/Contact pointing at the local socket.
            Exit status: 0 when sent, 1 on a transport failure, 2 on usage errors or an unreadable capture.
            """
    )

    @Argument(help: "The capture file (pcap or pcapng).")
    var capture: String

    @Option(name: .long, help: "udp:HOST:PORT or tcp:HOST:PORT")
    var to: String

    @Option(name: .long, help: "1x (capture timing) or max.")
    var speed: String = "max"

    @Option(name: .long, help: "call-id=ID or from=ADDR (repeatable).")
    var filter: [String] = []

    @Flag(name: .long, help: "Fresh Call-ID, branch and tags; Via/Contact point at us.")
    var rewrite = false

    @Option(name: .long, help: "Seconds to wait for replies after the last request.")
    var wait: Double = 2

    func validate() throws {
        if ReplayTarget(parsing: to) == nil { throw ValidationError("--to must be udp:HOST:PORT or tcp:HOST:PORT") }
        if speed != "1x" && speed != "max" { throw ValidationError("--speed must be 1x or max") }
        if !(0...600).contains(wait) { throw ValidationError("--wait must be between 0 and 600 seconds") }
        _ = try options()
    }

    func options() throws -> ReplayOptions {
        var o = ReplayOptions()
        o.speed = speed == "1x" ? .realtime : .max
        o.rewrite = rewrite
        o.waitSeconds = wait
        o.seed = UInt64(max(0, Date().timeIntervalSince1970 * 1000))  // fresh identifiers per run
        for f in filter {
            if f.hasPrefix("call-id=") {
                o.callID = String(f.dropFirst("call-id=".count))
            } else if f.hasPrefix("from=") {
                guard let a = IPAddress(String(f.dropFirst("from=".count))) else { throw ValidationError("--filter \(f): not an IP address") }
                o.from = a
            } else {
                throw ValidationError("--filter \(f): expected call-id=ID or from=ADDR")
            }
        }
        return o
    }

    func run() async throws {
        guard let target = ReplayTarget(parsing: to) else { throw ExitCode(2) }
        let opts = try options()
        let messages: [CapturedMessage]
        do { messages = try CaptureReplayer.requests(path: capture, options: opts) } catch {
            printError("cannot read capture: \(error.description)")
            throw ExitCode(2)
        }
        do {
            let result = try await CaptureReplayer.run(messages, to: target, options: opts)
            for s in result.sent { print("sent: \(s)") }
            for r in result.received { print("received: \(r)") }
            print("\(result.sent.count) sent, \(result.received.count) received" + (result.malformedReplies > 0 ? ", \(result.malformedReplies) malformed" : ""))
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
