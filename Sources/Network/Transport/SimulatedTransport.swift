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

/// A packet on its way, held by reference and made once per send. It is also its own delivery
/// event (a timer target: no closure to allocate), which a duplicate schedules again.
/// (Its fields are a `Packet`'s, not a `Packet`: a Packet built and stored here is copied in,
/// which retains every buffer of the bytes and their parse.)
private final class InFlight: TimerTarget {
    let bytes: [UInt8]
    let parsed: SIPMessage?
    let from: String
    let to: String
    let extraDelayMs: Int64
    let note: String
    let link: SimulatedLink
    /// The receiver's index.
    let toID: Int
    /// Strong: a weak reference costs a side-table update on every send and a load on every
    /// delivery. A queued packet keeps its network alive only until it is delivered or
    /// `SimulatedNetwork.close()` drops the queue (the actors hold the transport anyway).
    let transport: SimulatedTransport

    init(_ p: Packet, _ link: SimulatedLink, _ toID: Int, _ transport: SimulatedTransport) {
        bytes = p.bytes
        parsed = p.parsed
        from = p.from
        to = p.to
        extraDelayMs = p.extraDelayMs
        note = p.note
        self.link = link
        self.toID = toID
        self.transport = transport
    }

    /// `Packet(wire, from:to:)`, made in place.
    init(_ wire: WireMessage, from: String, to: String, _ link: SimulatedLink, _ toID: Int, _ transport: SimulatedTransport) {
        bytes = wire.bytes
        parsed = wire.parsed
        self.from = from
        self.to = to
        extraDelayMs = 0
        note = ""
        self.link = link
        self.toID = toID
        self.transport = transport
    }

    /// What the attacker's tap is given.
    var packet: Packet { Packet(self) }

    func timerFired(_ code: Int) { transport.deliver(self) }
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

    /// Lets go of every receiver and the tap (they hold this transport in turn).
    func detachAll() {
        receivers = Array(repeating: nil, count: receivers.count)
        tap = nil
    }

    func transportKind(from: String, to: String) -> TransportKind? { link(from, to)?.spec.transport }

    func address(of actor: String) -> SocketAddress? { addresses[actor] }

    @discardableResult
    func send(_ bytes: [UInt8], from: String, to: String, note: String) -> Bool {
        send(Packet(bytes: bytes, from: from, to: to), note: note)
    }

    @discardableResult
    func send(_ wire: WireMessage, from: String, to: String, note: String) -> Bool {
        guard let (link, toID) = sent(from: from, to: to, bytes: wire.bytes, note: note) else { return false }
        guard tap != nil else {
            travel(InFlight(wire, from: from, to: to, link, toID, self))
            return true
        }
        tapped(Packet(wire, from: from, to: to), link, toID)
        return true
    }

    private func send(_ p: Packet, note: String) -> Bool {
        guard let (link, toID) = sent(from: p.from, to: p.to, bytes: p.bytes, note: note) else { return false }
        guard tap != nil else {
            travel(InFlight(p, link, toID, self))
            return true
        }
        tapped(p, link, toID)
        return true
    }

    /// Traces a send (or its drop, without a link) and returns the hop.
    private func sent(from: String, to: String, bytes: [UInt8], note: String) -> (SimulatedLink, Int)? {
        guard let (link, toID) = route(from, to) else {
            trace.record(at: scheduler, .dropped, from: from, to: to, bytes: bytes, note: "no link \(from)<->\(to)")
            return nil
        }
        trace.record(at: scheduler, .sent, from: from, to: to, link: link.name, transport: link.spec.transport,
                     bytes: bytes, note: note)
        return (link, toID)
    }

    /// Sends what the attacker's tap makes of `p`.
    private func tapped(_ p: Packet, _ link: SimulatedLink, _ toID: Int) {
        guard let tap else { return }
        for q in tap(p, link) { travel(InFlight(q, link, toID, self)) }
    }

    /// Injects a packet as if sent on the link (attacker endpoint, crafted messages).
    func inject(_ p: Packet, note: String) -> Bool {
        guard let (link, toID) = route(p.from, p.to) else {
            trace.record(at: scheduler, .dropped, from: p.from, to: p.to, bytes: p.bytes, note: "no link for injection")
            return false
        }
        trace.record(at: scheduler, .sent, from: p.from, to: p.to, link: link.name, transport: link.spec.transport,
                     bytes: p.bytes, note: note)
        travel(InFlight(p, link, toID, self))
        return true
    }

    private func travel(_ f: InFlight) {
        let link = f.link
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
        scheduler.schedule(afterMs: delay, cancelledBy: nil, target: f, code: 0)
        if !t.isReliable, random.chance(spec.duplicate) {
            scheduler.schedule(afterMs: delay + 1 + Int64(random.next() % 3), cancelledBy: nil, target: f, code: 0)
        }
    }

    /// A packet arrives: traced, then handed to its receiver with the sender's parse if any.
    fileprivate func deliver(_ f: InFlight) {
        trace.record(at: scheduler, .delivered, from: f.from, to: f.to, link: f.link.name,
                     transport: f.link.spec.transport, bytes: f.bytes, note: f.note)
        guard let receiver = receivers[f.toID] else { return }
        if let m = f.parsed {
            assert(m.bytes == f.bytes, "a carried parse is of other bytes")
            receiver.receive(m, bytes: f.bytes, from: f.from)
        } else {
            receiver.receive(f.bytes, from: f.from)
        }
    }
}
