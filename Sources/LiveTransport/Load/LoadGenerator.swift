import Histogram
import Identity
import Network
import NIOCore
import NIOPosix

/// What `ims-harness load` runs: the built-in call flow INVITE → (100) → 180 → 200 → ACK →
/// BYE → 200 over UDP against one target, at a fixed rate.
public struct LoadConfig: @unchecked Sendable {
    public var target: LiveEndpoint
    /// Calls started per second (all workers together).
    public var rate: Double
    public var calls: Int
    /// Calls in flight at most (nil: unlimited).
    public var concurrency: Int?
    /// Stop starting calls after this many seconds.
    public var durationSeconds: Double?
    /// One worker (event loop + UDP socket) per core by default.
    public var workers: Int
    /// A call not finished this long after its INVITE fails.
    public var timeoutMs: Int64 = 5_000
    public var localHost: String
    public var callerTN = "15551230001"
    public var calleeTN = "15551230002"
    /// Signs every INVITE with a SHAKEN PASSporT when set.
    public var signer: PASSporTSigner?
    /// Unix seconds for `iat` (the CLI passes the real clock).
    public var clock: (any IdentityClock)?

    public init(target: LiveEndpoint, rate: Double, calls: Int, concurrency: Int? = nil, durationSeconds: Double? = nil,
                workers: Int = System.coreCount) {
        self.target = target
        self.rate = rate
        self.calls = calls
        self.concurrency = concurrency
        self.durationSeconds = durationSeconds
        self.workers = max(1, workers)
        localHost = target.address.isIPv6 ? "::1" : "127.0.0.1"
    }
}

public struct LoadProgress: Sendable {
    public var started = 0
    public var completed = 0
    public var failed = 0
    public var inFlight: Int { started - completed - failed }
    public var elapsedSeconds = 0.0
}

public struct LoadResult: Sendable {
    public var config: String
    public var requestedRate: Double
    public var started: Int
    public var completed: Int
    public var failed: Int
    public var failures: [String: Int]
    public var elapsedSeconds: Double
    /// Completed calls per second over the time calls were being started and finished.
    public var achievedCallsPerSecond: Double
    public var inviteTo180: Histogram<UInt64>
    public var inviteTo200: Histogram<UInt64>
    public var signed: Bool

    static let percentiles: [Double] = [50, 90, 99, 99.9, 100]

    static func ms(_ us: UInt64) -> Double { (Double(us) / 1000 * 1000).rounded() / 1000 }

    func latencyJSON(_ h: Histogram<UInt64>) -> String {
        guard h.totalCount > 0 else { return "{\"count\":0}" }
        var parts = ["\"count\":\(h.totalCount)", "\"mean_ms\":\(fmt(h.mean / 1000))"]
        for p in Self.percentiles {
            let key = p == 100 ? "max_ms" : "p\(p == p.rounded() ? String(Int(p)) : String(p).replacingDot())_ms"
            parts.append("\"\(key)\":\(fmt(Double(p == 100 ? h.max : h.valueAtPercentile(p)) / 1000))")
        }
        return "{" + parts.sorted().joined(separator: ",") + "}"
    }

    /// Deterministic JSON (sorted keys).
    public var json: String {
        let f = failures.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\($0.value)" }.joined(separator: ",")
        let fields = [
            "\"achieved_calls_per_second\":\(fmt(achievedCallsPerSecond))",
            "\"completed\":\(completed)",
            "\"elapsed_seconds\":\(fmt(elapsedSeconds))",
            "\"failed\":\(failed)",
            "\"failures\":{\(f)}",
            "\"invite_to_180\":\(latencyJSON(inviteTo180))",
            "\"invite_to_200\":\(latencyJSON(inviteTo200))",
            "\"requested_rate\":\(fmt(requestedRate))",
            "\"scenario\":\(jsonString(config))",
            "\"signed\":\(signed)",
            "\"started\":\(started)",
        ]
        return "{" + fields.joined(separator: ",") + "}\n"
    }

    /// Human summary lines.
    public var text: String {
        var s = "\(completed) completed, \(failed) failed of \(started) started in \(fmt(elapsedSeconds)) s: "
            + "\(fmt(achievedCallsPerSecond)) calls/s (requested \(fmt(requestedRate)))\(signed ? ", INVITEs signed" : "")\n"
        for (cause, n) in failures.sorted(by: { $0.key < $1.key }) { s += "  failure: \(cause): \(n)\n" }
        for (name, h) in [("INVITE->180", inviteTo180), ("INVITE->200", inviteTo200)] where h.totalCount > 0 {
            s += "  \(name) ms: p50 \(fmt(Double(h.valueAtPercentile(50)) / 1000)) p90 \(fmt(Double(h.valueAtPercentile(90)) / 1000))"
                + " p99 \(fmt(Double(h.valueAtPercentile(99)) / 1000)) p99.9 \(fmt(Double(h.valueAtPercentile(99.9)) / 1000))"
                + " max \(fmt(Double(h.max) / 1000))\n"
        }
        return s
    }
}

private extension String {
    func replacingDot() -> String { String(map { $0 == "." ? "_" : $0 }) }
}

func fmt(_ d: Double) -> String {
    guard d.isFinite else { return "0" }
    let r = (d * 1000).rounded() / 1000
    if r == r.rounded(), abs(r) < 1e15 { return String(Int64(r)) }
    return String(r)
}

func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16) }
            else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}

public enum LoadError: Error, CustomStringConvertible {
    case setup(String)
    public var description: String {
        switch self { case .setup(let s): s }
    }
}

/// Runs the load: one `LoadWorker` per event loop (one per core), each with its own UDP socket,
/// its share of the rate and of the calls, its own latency histograms; merged at the end.
public final class LoadGenerator {
    public let config: LoadConfig

    public init(config: LoadConfig) { self.config = config }

    public func run(progress: ((LoadProgress) -> Void)? = nil, progressIntervalMs: Int = 500) throws -> LoadResult {
        guard config.target.transport == .udp else { throw LoadError.setup("load supports udp targets only (got \(config.target))") }
        guard config.rate > 0, config.calls > 0 else { throw LoadError.setup("rate and calls must be positive") }
        let n = min(config.workers, config.calls)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: n)
        defer { try? group.syncShutdownGracefully() }
        let remote: NIOCore.SocketAddress
        do { remote = try .init(ipAddress: config.target.address.host, port: config.target.address.port) } catch {
            throw LoadError.setup("bad target address \(config.target): \(error)")
        }
        var workers: [LoadWorker] = []
        for i in 0..<n {
            let share = config.calls / n + (i < config.calls % n ? 1 : 0)
            let conc = config.concurrency.map { max(1, $0 / n + (i < $0 % n ? 1 : 0)) }
            let w = LoadWorker(index: i, loop: group.next(), config: config, remote: remote, calls: share,
                               rate: config.rate / Double(n), concurrency: conc)
            try w.open()
            workers.append(w)
        }
        let start = NIODeadline.now()
        for w in workers { w.start(at: start) }
        let hardLimitNs = Int64(((config.durationSeconds ?? Double(config.calls) / config.rate) + 2) * 1e9)
            + config.timeoutMs * 2_000_000 + 2_000_000_000
        while true {
            usleep(UInt32(progressIntervalMs * 1000))
            let snaps = workers.map { $0.snapshot() }
            var p = LoadProgress()
            for s in snaps { p.started += s.started; p.completed += s.completed; p.failed += s.failed }
            p.elapsedSeconds = Double((NIODeadline.now() - start).nanoseconds) / 1e9
            progress?(p)
            if snaps.allSatisfy(\.finished) { break }
            if (NIODeadline.now() - start).nanoseconds > hardLimitNs {
                for w in workers { w.abort() }
                break
            }
        }
        var h180 = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
        var h200 = h180
        var started = 0, completed = 0, failed = 0
        var failures: [String: Int] = [:]
        var lastNs: Int64 = 0
        for w in workers {
            let r = w.collect()
            h180.add(r.h180)
            h200.add(r.h200)
            started += r.started
            completed += r.completed
            failed += r.failed
            failures.merge(r.failures, uniquingKeysWith: +)
            lastNs = max(lastNs, r.lastEventNs)
        }
        for w in workers { w.close() }
        let elapsed = Double(max(1, lastNs - start.uptimeNanoseconds.asInt64)) / 1e9
        return LoadResult(config: "built-in call flow INVITE/180/200/ACK/BYE to \(config.target)", requestedRate: config.rate,
                          started: started, completed: completed, failed: failed, failures: failures,
                          elapsedSeconds: elapsed, achievedCallsPerSecond: Double(completed) / elapsed,
                          inviteTo180: h180, inviteTo200: h200, signed: config.signer != nil)
    }
}

extension UInt64 {
    var asInt64: Int64 { Int64(truncatingIfNeeded: self) }
}
