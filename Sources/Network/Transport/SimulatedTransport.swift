import SIPCore

/// One message in flight on a simulated link.
struct Packet {
    /// Changing them drops `parsed`: what an attacker made of them must be parsed as it arrives.
    var bytes: [UInt8] { didSet { parsed = nil } }
    /// The sender's parse of `bytes` (from `SIPMessage.wire`), handed over instead of parsing again.
    private(set) var parsed: SIPMessage?
    var from: String
    var to: String
    /// Extra delay added by an attacker (delay/replay).
    var extraDelayMs: Int64 = 0
    var note: String = ""

    init(bytes: [UInt8], from: String, to: String) {
        self.bytes = bytes
        self.from = from
        self.to = to
    }

    init(_ wire: WireMessage, from: String, to: String) {
        self.init(bytes: wire.bytes, from: from, to: to)
        parsed = wire.parsed
    }

    /// A packet's fields as they travel (`parsed` is of `bytes`).
    fileprivate init(_ f: InFlight) {
        bytes = f.bytes
        parsed = f.parsed
        from = f.from
        to = f.to
        extraDelayMs = f.extraDelayMs
        note = f.note
    }
}

/// A packet on its way, held by reference and made once per send: its delivery events share
/// it. (Its fields are a `Packet`'s, not a `Packet`: a Packet built and stored here is copied
/// in, which retains every buffer of the bytes and their parse.)
private final class InFlight {
    let bytes: [UInt8]
    let parsed: SIPMessage?
    let from: String
    let to: String
    let extraDelayMs: Int64
    let note: String

    init(_ p: Packet) {
        bytes = p.bytes
        parsed = p.parsed
        from = p.from
        to = p.to
        extraDelayMs = p.extraDelayMs
        note = p.note
    }

    /// `Packet(wire, from:to:)`, made in place.
    init(_ wire: WireMessage, from: String, to: String) {
        bytes = wire.bytes
        parsed = wire.parsed
        self.from = from
        self.to = to
        extraDelayMs = 0
        note = ""
    }

    /// What the attacker's tap is given.
    var packet: Packet { Packet(self) }
}

/// A link between two named actors, with loss, duplication and reordering drawn from the seed.
/// A class: every send and delivery passes it along, and a struct copy would retain its strings.
final class SimulatedLink {
    let spec: LinkSpec
    let crossesTrustBoundary: Bool
    /// `a<->b`, built once: every send and delivery passes it to the trace.
    let name: String

    init(spec: LinkSpec, crossesTrustBoundary: Bool) {
        self.spec = spec
        self.crossesTrustBoundary = crossesTrustBoundary
        name = spec.name
    }
}

/// Links between named actors with synthetic addresses. Every send and delivery is traced.
final class SimulatedTransport: Transport {
    /// Each linked actor's index, given once: links and receivers are then found by index.
    /// (Constants: a `let` needs no exclusivity check on each lookup.)
    private let ids: ActorNameMap<Int>
    /// The link between actors i and j at `i * count + j` (either order).
    private let table: [SimulatedLink?]
    private let count: Int
    /// Receivers by index; an actor without links can never be delivered to.
    private var receivers: [MessageReceiver?] = []
    private let addresses: [String: SocketAddress]
    let scheduler: VirtualScheduler
    let trace: TraceRecorder
    var random: SeededRandom
    /// The attacker's hook: given a packet about to travel, returns what actually travels
    /// (empty: dropped). Applied once per send, before loss and duplication. It may change
    /// bytes and delay, not the ends: what it returns goes to the packet's receiver.
    var tap: ((Packet, SimulatedLink) -> [Packet])?

    init(links specs: [LinkSpec], addresses: [String: SocketAddress], boundary: (String, String) -> Bool,
         scheduler: VirtualScheduler, trace: TraceRecorder, seed: UInt64) {
        var ids: [String: Int] = [:]
        for l in specs {
            for end in [l.a, l.b] where ids[end] == nil { ids[end] = ids.count }
        }
        let n = ids.count
        var table = [SimulatedLink?](repeating: nil, count: n * n)
        for l in specs {
            guard let i = ids[l.a], let j = ids[l.b] else { continue }
            let link = SimulatedLink(spec: l, crossesTrustBoundary: boundary(l.a, l.b))
            table[i * n + j] = link
            table[j * n + i] = link
        }
        self.ids = ActorNameMap(ids)
        self.table = table
        count = n
        receivers = Array(repeating: nil, count: n)
        self.addresses = addresses
        self.scheduler = scheduler
        self.trace = trace
        self.random = SeededRandom(seed: seed ^ 0x4C49_4E4B)
    }

    static func key(_ a: String, _ b: String) -> String { a < b ? a + "\u{0}" + b : b + "\u{0}" + a }

    /// The link between `a` and `b`, and `b`'s index.
    private func route(_ a: String, _ b: String) -> (link: SimulatedLink, to: Int)? {
        guard let i = ids[a], let j = ids[b], let link = table[i * count + j] else { return nil }
        return (link, j)
    }

    func link(_ a: String, _ b: String) -> SimulatedLink? { route(a, b)?.link }

    func attach(_ receiver: MessageReceiver, as name: String) {
        if let i = ids[name] { receivers[i] = receiver }
    }

    func transportKind(from: String, to: String) -> TransportKind? { link(from, to)?.spec.transport }

    func address(of actor: String) -> SocketAddress? { addresses[actor] }

    @discardableResult
    func send(_ bytes: [UInt8], from: String, to: String, note: String) -> Bool {
        send(InFlight(Packet(bytes: bytes, from: from, to: to)), note: note)
    }

    @discardableResult
    func send(_ wire: WireMessage, from: String, to: String, note: String) -> Bool {
        send(InFlight(wire, from: from, to: to), note: note)
    }

    private func send(_ f: InFlight, note: String) -> Bool {
        let from = f.from, to = f.to
        guard let (link, toID) = route(from, to) else {
            trace.record(at: scheduler, .dropped, from: from, to: to, bytes: f.bytes, note: "no link \(from)<->\(to)")
            return false
        }
        let t = link.spec.transport
        trace.record(at: scheduler, .sent, from: from, to: to, link: link.name, transport: t, bytes: f.bytes, note: note)
        guard let tap else {
            travel(f, link, toID)
            return true
        }
        for p in tap(f.packet, link) { travel(InFlight(p), link, toID) }
        return true
    }

    /// Injects a packet as if sent on the link (attacker endpoint, crafted messages).
    func inject(_ p: Packet, note: String) -> Bool {
        guard let (link, toID) = route(p.from, p.to) else {
            trace.record(at: scheduler, .dropped, from: p.from, to: p.to, bytes: p.bytes, note: "no link for injection")
            return false
        }
        trace.record(at: scheduler, .sent, from: p.from, to: p.to, link: link.name, transport: link.spec.transport,
                     bytes: p.bytes, note: note)
        travel(InFlight(p), link, toID)
        return true
    }

    private func travel(_ f: InFlight, _ link: SimulatedLink, _ toID: Int) {
        let spec = link.spec
        let t = spec.transport
        var delay = Int64(spec.latencyMs) + f.extraDelayMs
        if t.isReliable {
            // A lost segment is retransmitted by TCP: it arrives late, never twice, in order.
            if random.chance(spec.loss) { delay += 200 }
        } else {
            if random.chance(spec.loss) {
                trace.record(at: scheduler, .dropped, from: f.from, to: f.to, link: link.name, transport: t, bytes: f.bytes,
                             note: "lost on link (loss \(spec.loss))")
                return
            }
            if random.chance(spec.reorder) { delay += 1 + Int64(random.next() % UInt64(max(1, 2 * spec.latencyMs + 5))) }
        }
        schedule(f, link, toID, delay: delay)
        if !t.isReliable, random.chance(spec.duplicate) {
            schedule(f, link, toID, delay: delay + 1 + Int64(random.next() % 3))
        }
    }

    private func schedule(_ f: InFlight, _ link: SimulatedLink, _ toID: Int, delay: Int64) {
        scheduler.scheduleUncancellable(afterMs: delay) { [weak self] in
            guard let self else { return }
            self.trace.record(at: self.scheduler, .delivered, from: f.from, to: f.to, link: link.name,
                              transport: link.spec.transport, bytes: f.bytes, note: f.note)
            guard let receiver = self.receivers[toID] else { return }
            if let m = f.parsed {
                assert(m.bytes == f.bytes, "a carried parse is of other bytes")
                receiver.receive(m, bytes: f.bytes, from: f.from)
            } else {
                receiver.receive(f.bytes, from: f.from)
            }
        }
    }
}
