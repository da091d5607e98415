import Dispatch
import Foundation
import Identity
import Network

public enum LiveRunError: Error, CustomStringConvertible {
    case tlsSetup(String)
    case notStarted

    public var description: String {
        switch self {
        case .tlsSetup(let why): "cannot set up TLS: \(why)"
        case .notStarted: "the live run was closed or never started"
        }
    }
}

/// `LiveRuntime` over `LiveTransport`: harness actors linked to an external actor get real
/// sockets, and bytes cross between the simulated links and those sockets both ways. The
/// network's actors, its virtual clock (kept at real elapsed time by a tick) and the sockets
/// all run on the driver's one event loop.
public final class LiveNetworkRuntime: LiveRuntime, @unchecked Sendable {
    public let driver: LiveDriver
    public let transport: LiveTransport
    public let seedSalt: UInt64
    /// TLS material beyond the scenario's test PKI (`run --live --tls-trust ...`).
    public let tlsOptions: LiveTLSOptions
    /// How often the virtual clock catches up with the real one (timer resolution).
    public var tickMs: Int64 = 5
    private var net: SimulatedNetwork?
    private var spec: NetworkSpec?
    private var clockBase: Int64 = 0
    private var closed = false

    public init(seedSalt: UInt64? = nil, tls: LiveTLSOptions = .default) {
        tlsOptions = tls
        driver = LiveDriver()
        transport = LiveTransport(driver: driver)
        self.seedSalt = seedSalt ?? (UInt64(getpid()) << 40 ^ DispatchTime.now().uptimeNanoseconds)
    }

    public func bind(_ spec: NetworkSpec) throws -> NetworkSpec {
        var out = spec
        out.epochBase = Int64(Date().timeIntervalSince1970)
        if spec.actors.contains(where: { $0.live?.endpoints.contains { $0.transport == .tls } == true }) {
            // Unless the options say otherwise, both sides of SIP over TLS use the loopback
            // credential of the scenario's PKI, the one `ims-harness pki init --seed N` writes
            // for a SUT to present.
            guard case .generated(let seed) = spec.pki else { throw LiveRunError.tlsSetup("no generated PKI") }
            do { transport.tls = try LiveTLS.loopback(pki: try TestPKI.generate(at: Date(), seed: seed), options: tlsOptions) } catch {
                throw LiveRunError.tlsSetup(String(describing: error))
            }
        }
        // Where harness actor `from` reaches external actor `name` (nil: not external).
        func external(_ name: String, from: String) -> ActorEndpoint? {
            guard case .external(let address, let perPeer)? = spec.actors.first(where: { $0.name == name })?.live else { return nil }
            return perPeer[from] ?? address
        }
        for (i, a) in spec.actors.enumerated() {
            switch a.live {
            case .listen(let e)?:
                out.actors[i].live = .listen(try open(a.name, e))
            case .external(let address, let perPeer)?:
                transport.addPeer(a.name, at: address)
                for (peer, e) in perPeer.sorted(by: { $0.key < $1.key }) { transport.addPeer(a.name, at: e, for: peer) }
            case nil:
                // A harness actor that talks to a real system needs a socket of its own: an
                // ephemeral one on the loopback of the system's address family.
                let ext = spec.links.lazy.compactMap { l in l.a == a.name ? l.b : l.b == a.name ? l.a : nil }
                    .compactMap { external($0, from: a.name) }.first
                guard let ext else { continue }
                let host = ext.address.isIPv6 ? "::1" : "127.0.0.1"
                out.actors[i].live = .listen(try open(a.name, ActorEndpoint(ext.transport, host: host, port: 0)))
            }
        }
        // A hop to a real system runs over the transport of its endpoint (Via says so).
        for (i, l) in out.links.enumerated() {
            if let e = external(l.b, from: l.a) ?? external(l.a, from: l.b) { out.links[i].transport = e.transport }
        }
        self.spec = out
        return out
    }

    private func open(_ actor: String, _ e: ActorEndpoint) throws -> ActorEndpoint {
        try transport.listen(actor, on: e)
    }

    public func start(_ network: SimulatedNetwork) throws {
        guard let spec, !closed else { throw LiveRunError.notStarted }
        let transport = self.transport
        let box = UncheckedBox(network)
        try driver.sync {
            let net = box.value
            self.net = net
            self.clockBase = self.driver.nowMs
            for a in spec.actors {
                guard let live = a.live else { continue }
                let name = a.name
                if live.isExternal {
                    try net.connectExternal(name) { bytes, from in transport.send(bytes, from: from, to: name, note: "") }
                } else {
                    transport.attach(Inlet { [unowned self] bytes, peer in
                        self.catchUp()
                        net.receiveFromExternal(bytes, from: self.attribute(peer, to: name), to: name)
                    }, as: name)
                }
            }
            // Socket-level trouble (garbage, truncated streams, failed connections) has no link
            // event of its own; it goes into the network's trace as evidence.
            transport.onEvent { [unowned self] e in
                guard e.kind == .error || (e.kind == .dropped && !e.note.hasPrefix("no receiver")) else { return }
                self.catchUp()
                net.recordLiveEvent(from: e.from, to: e.to, bytes: e.bytes, note: "\(e.kind.rawValue): \(e.note)")
            }
            self.tick()
        }
    }

    /// A stream the SUT opened reaches us from an ephemeral port: it belongs to the external
    /// actor linked to `actor` whose host it came from.
    private func attribute(_ peer: String, to actor: String) -> String {
        guard let e = LiveEndpoint(parsing: peer), e.transport != .udp, let spec else { return peer }
        let linked = Set(spec.links.flatMap { l in l.a == actor ? [l.b] : l.b == actor ? [l.a] : [] })
        return spec.actors.first { a in
            guard linked.contains(a.name), case .external? = a.live else { return false }
            return a.live?.endpoints.contains { $0.address.host == e.address.host && $0.transport == e.transport } == true
        }?.name ?? peer
    }

    /// Moves the virtual clock to the real elapsed time, running the timers now due.
    private func catchUp() {
        guard let net else { return }
        let target = driver.nowMs - clockBase
        if target > net.nowMs { net.advance(ms: target - net.nowMs) }
    }

    private func tick() {
        guard !closed else { return }
        catchUp()
        driver.loop.assumeIsolated().scheduleTask(in: .milliseconds(tickMs)) { [weak self] in self?.tick() }
    }

    public func perform<T>(_ body: () throws -> T) throws -> T {
        // `sync` returns only after the body ran; the loop's task may be freed later, so it
        // holds the body only until it runs.
        try withoutActuallyEscaping(body) { b in
            let slot = BodySlot(b)
            defer { slot.body = nil }
            return try driver.sync { [self] in
                catchUp()
                guard let run = slot.body else { throw LiveRunError.notStarted }
                slot.body = nil
                return try run()
            }
        }
    }

    @discardableResult
    public func settle(quietMs: Int64, timeoutMs: Int64) -> Bool {
        let start = driver.nowMs
        var last = -1
        var lastChange = start
        while true {
            let now = driver.nowMs
            let count = (try? driver.sync { [self] in (net?.traceEventCount ?? 0) + transport.recorder.count }) ?? last
            if count != last {
                last = count
                lastChange = now
            } else if now - lastChange >= quietMs {
                return true
            }
            if now - start >= timeoutMs { return false }
            usleep(10_000)
        }
    }

    public func sleep(ms: Int64) {
        let until = driver.nowMs + max(0, ms)
        while driver.nowMs < until { usleep(UInt32(min(50, max(1, until - driver.nowMs)) * 1000)) }
    }

    public func close() {
        guard !closed else { return }
        _ = try? driver.sync { self.closed = true }
        transport.close()
        driver.shutdown()
    }
}

private final class BodySlot<T>: @unchecked Sendable {
    var body: (() throws -> T)?
    init(_ body: @escaping () throws -> T) { self.body = body }
}

/// Receives for a harness actor on its real socket.
private final class Inlet: MessageReceiver {
    let body: ([UInt8], String) -> Void
    init(_ body: @escaping ([UInt8], String) -> Void) { self.body = body }
    func receive(_ bytes: [UInt8], from peer: String) { body(bytes, peer) }
}
