import ArgumentParser
import Capture
import Foundation
import LiveTransport
import Network
import Reports
import Scenario

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenario files (folders recursively) on the simulated network, or live against a real system.",
        discussion: """
        Files without `steps:` are include fragments and are not run. Results are deterministic per \
        scenario (its seed, or --seed). Exit status: 0 all passed, 1 any failed, 2 invalid input.
        """
    )

    @Argument(help: "Scenario files or folders.")
    var paths: [String]

    @Option(name: .long, help: "Write a JUnit XML report.")
    var junit: String?

    @Option(name: .long, help: "Write the full result model as JSON (durations in virtual ms, so runs compare byte for byte).")
    var json: String?

    @Option(name: .long, help: "Write one pcap of simulated traffic per scenario into DIR.")
    var pcap: String?

    @Option(name: .long, help: "Write an SVG sequence diagram per scenario and index.html into DIR.")
    var diagram: String?

    @Option(name: .long, help: "Seed for every scenario (overrides the files' seeds).")
    var seed: UInt64?

    @Option(name: .long, help: "Scenarios run in parallel (default: cores).")
    var jobs: Int?

    @Option(name: .long, help: "Run only shard I of N (1-based), e.g. 2/4.")
    var shard: String?

    @Option(name: .long, help: "Run only scenarios with this tag or whose name contains this text.")
    var filter: String?

    @Flag(name: .long, help: "List every assertion, also of passing scenarios.")
    var verbose = false

    @Flag(name: .long, help: """
        Run over real sockets: actors with external: are real systems reached at their address; \
        the harness's actors use their listen: sockets (files with mode: live always run so).
        """)
    var live = false

    @Option(name: .long, help: """
        Live TLS: PEM file of the CA certificate(s), or a self-signed certificate, trusted for a \
        real system (default: the root of the scenario's test PKI).
        """)
    var tlsTrust: String?

    @Option(name: .long, help: """
        Live TLS: PEM certificate chain the harness presents, also as a client certificate \
        (with --tls-key; default: the test PKI's tls-loopback credential).
        """)
    var tlsCert: String?

    @Option(name: .long, help: "Live TLS: PEM private key of --tls-cert.")
    var tlsKey: String?

    @Flag(name: .long, help: """
        Live TLS: accept any server certificate, for a system whose certificate does not name \
        the address dialled. The traffic is still encrypted; the peer is not authenticated.
        """)
    var tlsNoVerify = false

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one FILE or folder") }
        if let j = jobs, j < 1 { throw ValidationError("--jobs must be at least 1") }
        if let s = shard, Self.parseShard(s) == nil { throw ValidationError("--shard must be I/N with 1 <= I <= N, e.g. 1/4") }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        for (flag, path) in [("--tls-trust", tlsTrust), ("--tls-cert", tlsCert), ("--tls-key", tlsKey)] {
            if let path, !FileManager.default.isReadableFile(atPath: path) { throw ValidationError("\(flag): cannot read \(path)") }
        }
    }

    static func parseShard(_ s: String) -> (Int, Int)? {
        let p = s.split(separator: "/")
        guard p.count == 2, let i = Int(p[0]), let n = Int(p[1]), n >= 1, (1...n).contains(i) else { return nil }
        return (i, n)
    }

    func run() throws {
        let runner = SuiteRunner()
        let loaded = runner.load(paths)
        if !loaded.diagnostics.isEmpty {
            for d in loaded.diagnostics { StandardStream.error.write(d.description + "\n") }
            throw ExitCode(2)
        }
        var options = SuiteRunner.Options()
        options.seed = seed
        if let jobs { options.jobs = jobs }
        options.shard = shard.flatMap(Self.parseShard).map { (index: $0.0, count: $0.1) }
        options.filter = filter
        options.live = live
        let tls = LiveTLSOptions(trustPEM: tlsTrust, certificatePEM: tlsCert, keyPEM: tlsKey, verifyPeer: !tlsNoVerify)
        options.liveRuntime = { LiveNetworkRuntime(tls: tls) }
        options.keepsTraces = pcap != nil
        let cases = SuiteRunner.select(loaded.cases, options: options)

        let console = ConsoleStream(reporter: .forStandardOutput(verbose: verbose), total: cases.count)
        // Parallel workers finish in any order; lines are printed in suite order for stable logs.
        let printer = OrderedPrinter(names: cases.map(\.displayName), console: console)
        let result = runner.run(cases, options: options, started: { console.started($0.displayName) },
                                finished: { printer.finished($0) })
        console.finish(result.suite)

        do {
            if let junit { try writeFile(JUnitWriter.data(for: result.suite), to: junit) }
            if let json { try writeFile(JSONReportWriter.data(for: SuiteRunner.deterministic(result)), to: json) }
            if let diagram { try DiagramWriter.writeDirectory(suite: result.suite, to: URL(fileURLWithPath: diagram)) }
            if let pcap { try PcapExport.write(result, to: pcap) }
        } catch {
            StandardStream.error.write("error: \(error)\n")
            throw ExitCode(2)
        }
        throw ExitCode(result.exitCode)
    }
}

/// Prints each scenario's lines as soon as every scenario before it has finished.
final class OrderedPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private let index: [String: [Int]]
    private var done: [Int: ScenarioReport] = [:]
    private var next = 0
    private var used = Set<Int>()
    private let console: ConsoleStream

    init(names: [String], console: ConsoleStream) {
        var idx: [String: [Int]] = [:]
        for (i, n) in names.enumerated() { idx[n, default: []].append(i) }
        index = idx
        self.console = console
    }

    func finished(_ r: ScenarioReport) {
        lock.lock(); defer { lock.unlock() }
        guard let i = index[r.displayName]?.first(where: { !used.contains($0) }) else { console.finished(r); return }
        used.insert(i)
        done[i] = r
        while let ready = done[next] {
            console.finished(ready)
            done[next] = nil
            next += 1
        }
    }
}

/// One pcap per scenario: every delivered message with the actors' synthetic addresses.
enum PcapExport {
    static func write(_ result: SuiteRunner.Result, to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let names = DiagramWriter.fileNames(for: result.suite)
        for (o, svgName) in zip(result.outcomes, names) {
            let path = dir + "/" + svgName.replacingOccurrences(of: ".svg", with: ".pcap")
            let w = try PcapWriter(path: path)
            let base = NetworkSpec.defaultEpochBase * 1_000_000_000
            for e in o.trace where e.kind == .delivered && !e.bytes.isEmpty {
                guard let s = o.addresses[e.from], let d = o.addresses[e.to],
                      let src = Capture.Endpoint(parsing: "\(s.uriHost):\(s.port)"),
                      let dst = Capture.Endpoint(parsing: "\(d.uriHost):\(d.port)") else { continue }
                let proto: TransportProtocol = e.transport == .udp || e.transport == nil ? .udp : .tcp
                try w.write(time: base + e.timeMs * 1_000_000, src: src, dst: dst, transport: proto, payload: e.bytes)
            }
            try w.close()
        }
    }
}
