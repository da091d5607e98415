import ArgumentParser
import Crypto
import Foundation
import Identity
import LiveTransport
import Reports

/// `ims-harness load`: the built-in call flow against a live UDP target at a fixed rate.
struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Run many calls against a live target and report calls/s, failures and latency.",
        discussion: """
            SCENARIO names the call flow. The scenario engine has no live mode yet, so the only flow \
            is the built-in one, `call` (INVITE -> 100/180 -> 200 -> ACK -> BYE -> 200, as SIPp's \
            uac/uas), sent to --target. Latency percentiles (INVITE->180, INVITE->200) come from \
            HdrHistogram. One worker (event loop + UDP socket) per core.
            Exit status: 0 when every call completed, 1 when some failed, 2 on usage errors.
            """
    )

    @Argument(help: "Call flow: `call` (built-in; default).")
    var scenario: String = "call"

    @Option(name: .long, help: "Target, udp:HOST:PORT (IPv6 host in brackets).")
    var target: String

    @Option(name: .long, help: "Calls started per second.")
    var rate: Double

    @Option(name: .long, help: "Number of calls.")
    var calls: Int

    @Option(name: .long, help: "Calls in flight at most.")
    var concurrency: Int?

    @Option(name: .long, help: "Stop starting calls after this many seconds.")
    var duration: Double?

    @Option(name: .long, help: "Worker event loops (default: one per core).")
    var workers: Int?

    @Option(name: .long, help: "A call not finished this many ms after its INVITE fails.")
    var timeoutMs: Int64 = 5_000

    @Option(name: .long, help: "Write the summary as JSON to FILE.")
    var json: String?

    @Flag(name: .long, help: "Sign every INVITE with a SHAKEN PASSporT (attest A).")
    var sign = false

    @Option(name: .long, help: "PEM P-256 key for --sign (default: a fresh test PKI's SP key).")
    var key: String?

    @Option(name: .long, help: "x5u / Identity info URL for --sign.")
    var x5u: String = TestPKI.baseURL + "sp.pem"

    @Option(name: .long, help: "Caller TN (orig).")
    var orig: String = "15551230001"

    @Option(name: .long, help: "Callee TN (dest).")
    var dest: String = "15551230002"

    @Flag(name: .long, help: "No progress line even on a terminal.")
    var quiet = false

    func validate() throws {
        guard scenario == "call" else {
            throw ValidationError("scenario \(scenario): only the built-in `call` flow is supported (the scenario engine has no live mode yet)")
        }
        guard let t = LiveEndpoint(parsing: target), t.transport == .udp else {
            throw ValidationError("--target must be udp:HOST:PORT (got \(target))")
        }
        _ = t
        if !(rate > 0 && rate.isFinite) { throw ValidationError("--rate must be positive") }
        if calls <= 0 { throw ValidationError("--calls must be positive") }
        if let c = concurrency, c <= 0 { throw ValidationError("--concurrency must be positive") }
        if let d = duration, !(d > 0) { throw ValidationError("--duration must be positive") }
        if let w = workers, !(1...256).contains(w) { throw ValidationError("--workers must be 1...256") }
        if timeoutMs <= 0 { throw ValidationError("--timeout-ms must be positive") }
        if TelephoneNumber.canonical(orig) == nil || TelephoneNumber.canonical(dest) == nil {
            throw ValidationError("--orig and --dest must be telephone numbers")
        }
    }

    func run() throws {
        guard let t = LiveEndpoint(parsing: target) else { throw ExitCode(2) }
        var config = LoadConfig(target: t, rate: rate, calls: calls, concurrency: concurrency, durationSeconds: duration,
                                workers: workers ?? ProcessInfo.processInfo.activeProcessorCount)
        config.timeoutMs = timeoutMs
        config.callerTN = TelephoneNumber.canonical(orig) ?? orig
        config.calleeTN = TelephoneNumber.canonical(dest) ?? dest
        if sign {
            let privateKey: P256.Signing.PrivateKey
            if let key {
                privateKey = try loadSigningKey(key)
            } else {
                privateKey = try TestPKI.generate(at: Date()).sp.privateKey()
            }
            config.signer = PASSporTSigner(key: privateKey, x5u: x5u)
            config.clock = ClosureClock { nowSeconds() }
        }
        let tty = isatty(STDERR_FILENO) == 1 && !quiet
        let result: LoadResult
        do {
            result = try LoadGenerator(config: config).run(progress: { p in
                guard tty else { return }
                let cps = p.elapsedSeconds > 0 ? Double(p.completed) / p.elapsedSeconds : 0
                let line = String(format: "\r%6.1fs started %d completed %d failed %d in flight %d  %.0f calls/s ",
                                  p.elapsedSeconds, p.started, p.completed, p.failed, p.inFlight, cps)
                StandardStream.error.write(line)
            })
        } catch {
            printError("load: \(error)")
            throw ExitCode(1)
        }
        if tty { StandardStream.error.write("\n") }
        print(result.text, terminator: "")
        if let json {
            do { try writeFile(Array(result.json.utf8), to: json) } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
        }
        if result.failed > 0 || result.completed < result.started { throw ExitCode(1) }
    }
}
