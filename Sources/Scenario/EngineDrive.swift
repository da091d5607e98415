import Network

/// Where the engine's network work runs. Simulated: directly, on the virtual clock, "idle"
/// meaning every pending event has run. Live: on the runtime's thread, on the real clock,
/// "idle" meaning nothing has moved for `quietMs` (bounded by `stepTimeoutMs`).
struct Drive {
    let net: SimulatedNetwork
    let live: LiveRuntime?
    /// A real peer on loopback answers within milliseconds; this much silence ends a step.
    var quietMs: Int64 = 300
    var stepTimeoutMs: Int64 = 10_000

    static func start(_ c: ScenarioCase, seed: UInt64, live: LiveRuntime?) throws -> Drive {
        guard let live else {
            return Drive(net: try SimulatedNetwork(spec: ScenarioEngine.spec(c.network), seed: seed), live: nil)
        }
        let spec = try live.bind(ScenarioEngine.spec(c.network, live: true))
        let net = try SimulatedNetwork(spec: spec, seed: seed ^ live.seedSalt)
        try live.start(net)
        return Drive(net: net, live: live)
    }

    func onLoop<T>(_ body: () throws -> T) throws -> T {
        guard let live else { return try body() }
        return try live.perform(body)
    }

    func idle() {
        guard let live else { net.runUntilIdle(); return }
        live.settle(quietMs: quietMs, timeoutMs: stepTimeoutMs)
    }

    func advance(ms: Int64) {
        guard let live else { net.advance(ms: ms); return }
        live.sleep(ms: ms)
    }
}

/// The scenario's endpoint texts were checked by the decoder.
func liveBinding(_ d: LiveActorDef) -> LiveBinding? {
    switch d {
    case .listen(let e): ActorEndpoint(parsing: e).map { .listen($0) }
    case .external(let a, let per):
        ActorEndpoint(parsing: a).map { address in
            .external(address: address, perPeer: per.compactMapValues { ActorEndpoint(parsing: $0) })
        }
    }
}
