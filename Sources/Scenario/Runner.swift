import Dispatch
import Foundation
import Network
import Reports

/// Finds, loads, filters, shards and runs scenario files; the `run` command is a thin layer on it.
public struct SuiteRunner: Sendable {
    public struct Options: Sendable {
        public var seed: UInt64?
        public var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
        /// 1-based shard index and count.
        public var shard: (index: Int, count: Int)?
        /// A tag, or a substring of the scenario name.
        public var filter: String?
        /// Run every case live (`run --live`); cases with `mode: live` always are.
        public var live = false
        /// Makes the sockets and real clock of one live case (LiveTransport's `LiveNetworkRuntime`).
        public var liveRuntime: (@Sendable () -> LiveRuntime)?
        /// False drops each case's trace as soon as it is done (only a pcap export reads it
        /// afterwards), so a long run keeps its reports alone.
        public var keepsTraces = true
        public init() {}
    }

    public struct Loaded: Sendable {
        public var cases: [ScenarioCase]
        public var diagnostics: [Diagnostic]
        public var files: [String]
    }

    public struct Result: Sendable {
        public var suite: SuiteReport
        /// Same order as `suite.scenarios`.
        public var outcomes: [ScenarioEngine.Outcome]
        public var exitCode: Int32 { suite.scenarios.allSatisfy { $0.verdict == .passed } ? 0 : 1 }
    }

    public var loader: ScenarioLoader
    public init(loader: ScenarioLoader = ScenarioLoader(catalog: .network)) { self.loader = loader }

    /// Every `.yaml`/`.yml` under the paths, sorted; directories are walked recursively.
    public static func discover(_ paths: [String]) -> (files: [String], missing: [String]) {
        var files: [String] = []
        var missing: [String] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { missing.append(p); continue }
            if !isDir.boolValue { files.append(p); continue }
            let base = p.hasSuffix("/") ? String(p.dropLast()) : p
            let found = (fm.enumerator(atPath: base)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .map { base + "/" + $0 }
            files += found.sorted()
        }
        return (files, missing)
    }

    /// Loads every file. Fragments (files without `steps`) are checked but yield no case.
    public func load(_ paths: [String]) -> Loaded {
        let (files, missing) = Self.discover(paths)
        var diags = missing.map { Diagnostic(SourceLocation(file: $0, line: 1, column: 1), "no such file or directory", expected: "a scenario file or folder") }
        var loaded = [LoadedFile?](repeating: nil, count: files.count)
        let box = Box(loaded)
        let loader = self.loader
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            let f = loader.load(path: files[i])
            box.set(i, f)
        }
        loaded = box.values
        var cases: [ScenarioCase] = []
        for f in loaded.compactMap({ $0 }) {
            diags += f.diagnostics
            cases += f.cases
        }
        return Loaded(cases: cases, diagnostics: diags, files: files)
    }

    /// Filter, then shard: round robin over the sorted list of (file, matrix index), so N
    /// shards cover the suite exactly once whatever the machine.
    public static func select(_ cases: [ScenarioCase], options: Options) -> [ScenarioCase] {
        var out = cases
        if let f = options.filter, !f.isEmpty {
            out = out.filter { $0.tags.contains(f) || $0.displayName.localizedCaseInsensitiveContains(f) }
        }
        out.sort { ($0.file, $0.matrixIndex ?? -1) < ($1.file, $1.matrixIndex ?? -1) }
        if let s = options.shard {
            out = out.enumerated().filter { $0.offset % s.count == s.index - 1 }.map(\.element)
        }
        return out
    }

    /// Runs the cases in parallel; results keep the input order, so output is stable.
    /// `clock` times each scenario for the console (the engine itself never reads it).
    public func run(_ cases: [ScenarioCase], options: Options, clock: @escaping @Sendable () -> Double = { Self.monotonicMs() },
                    started: @escaping @Sendable (ScenarioCase) -> Void = { _ in },
                    finished: @escaping @Sendable (ScenarioReport) -> Void = { _ in }) -> Result {
        let engine = ScenarioEngine()
        let box = Box([ScenarioEngine.Outcome?](repeating: nil, count: cases.count))
        let next = Box([0])
        let isLive: @Sendable (ScenarioCase) -> Bool = { [live = options.live] c in live || c.live }
        // Live cases share the SUT and fixed ports: one at a time.
        let workers = cases.contains(where: isLive) ? 1 : max(1, min(options.jobs, cases.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.take()
                guard i < cases.count else { return }
                started(cases[i])
                let t0 = clock()
                var o: ScenarioEngine.Outcome
                if isLive(cases[i]) {
                    if let make = options.liveRuntime {
                        o = engine.run(cases[i], seed: options.seed, live: make())
                    } else {
                        o = ScenarioEngine.Outcome.error(cases[i], "a live run needs sockets: run it with `ims-harness run --live`")
                    }
                } else {
                    o = engine.run(cases[i], seed: options.seed)
                }
                o.report.durationMs = clock() - t0
                if !options.keepsTraces { o.trace = [] }
                box.set(i, o)
                finished(o.report)
            }
        }
        let outcomes = box.values.compactMap { $0 }
        return Result(suite: SuiteReport(scenarios: outcomes.map(\.report), seed: options.seed), outcomes: outcomes)
    }

    /// The report with durations replaced by virtual time, so two runs with one seed give the same JSON.
    public static func deterministic(_ r: Result) -> SuiteReport {
        var s = r.suite
        for i in s.scenarios.indices { s.scenarios[i].durationMs = Double(r.outcomes[i].virtualMs) }
        return s
    }

    public static func monotonicMs() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1_000_000 }
}

/// Index-addressed results filled from several threads.
final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [T]
    init(_ v: [T]) { storage = v }
    func set<U>(_ i: Int, _ v: U) where T == U? {
        lock.lock(); storage[i] = v; lock.unlock()
    }
    var values: [T] { lock.lock(); defer { lock.unlock() }; return storage }
}

extension Box where T == Int {
    /// Next work index (a shared counter).
    func take() -> Int {
        lock.lock(); defer { lock.unlock() }
        let v = storage[0]
        storage[0] += 1
        return v
    }
}
