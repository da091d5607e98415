import SIPCore

/// Base of every actor: a name, a role, resolved policy switches, a transaction layer over
/// the `Transport`, and access to the shared context (clock, generator, HSS, PKI).
class Element: MessageReceiver, TransactionUser {
    let name: String
    let role: ActorRole
    let policy: Policy
    let spec: ActorSpec
    let ctx: NetworkContext
    let transport: Transport
    let layer: TransactionLayer

    init(spec: ActorSpec, policy: Policy, ctx: NetworkContext, transport: Transport) {
        self.name = spec.name
        self.role = spec.role
        self.spec = spec
        self.policy = policy
        self.ctx = ctx
        self.transport = transport
        let peers = ctx.linkedPeers[spec.name] ?? []
        var prefixes = ActorNameMap<String>()
        for p in peers { prefixes[p] = Self.viaPrefix(transport, from: spec.name, to: p) }
        viaPrefixes = prefixes
        layer = TransactionLayer(owner: spec.name, scheduler: ctx.scheduler, transport: transport, peers: peers)
        layer.user = self
        // Unowned, not weak: a weak reference would put every retain of this element on the
        // slow side-table path. The layer is this element's own and dies with it.
        layer.onUnparsable = { [unowned self] bytes, peer, error in
            self.ctx.trace.record(self.ctx.scheduler.nowMs, .dropped, from: peer, to: self.name, bytes: bytes,
                                  note: "\(self.name) could not parse the message: \(error)")
        }
        transport.attach(self, as: spec.name)
    }

    /// Its transactions hold the layer until they end: let go of them, so that the layer goes
    /// with this element and a timer still queued finds no layer to act on.
    deinit { layer.detachAll() }

    var domain: String { spec.domain ?? "ims.example" }
    var nowMs: Int64 { ctx.scheduler.nowMs }

    func receive(_ bytes: [UInt8], from peer: String) { layer.receive(bytes, from: peer) }
    func receive(_ message: SIPMessage, bytes: [UInt8], from peer: String) { layer.receive(message, from: peer) }

    func handleRequest(_ request: SIPMessage, transaction: ServerTransaction?, from peer: String) {}
    func handleStrayResponse(_ response: SIPMessage, from peer: String) {}

    /// Records what a rule did (a `rule` trace event).
    func note(_ rule: String, _ text: @autoclosure () -> String) {
        guard ctx.trace.enabled else { ctx.trace.count += 1; return }
        ctx.trace.record(nowMs, .rule, from: name, to: name, note: "\(name) \(rule): \(text())")
    }

    /// A Via for a request this element sends to `peer`: synthetic address, link transport and
    /// a fresh branch (the magic cookie and 16 random hex digits), written in one String.
    func via(to peer: String) -> String {
        ctx.random.hex(16, after: viaPrefix(to: peer))
    }

    /// The Via text up to and including the branch's magic cookie.
    private func viaPrefix(to peer: String) -> String {
        viaPrefixes[peer] ?? Self.viaPrefix(transport, from: name, to: peer)
    }

    private static func viaPrefix(_ transport: Transport, from name: String, to peer: String) -> String {
        let t = transport.transportKind(from: name, to: peer) ?? .udp
        let addr = transport.address(of: name) ?? SocketAddress(host: name, port: 5060)
        return "SIP/2.0/\(t.rawValue) \(addr.uriHost):\(addr.port);branch=\(Via.magicCookie)"
    }

    /// Via text before the branch's random part, per linked peer, made at set-up (links and
    /// addresses are fixed for a run; a constant needs no exclusivity check on each lookup).
    private let viaPrefixes: ActorNameMap<String>

    /// The actor a Route / Request-URI text points at.
    func actor(for uriText: String) -> String? {
        ctx.actor(for: uriText)
    }

    /// The actor `m`'s first Route entry names (`firstListValue(.route)` read as bytes).
    func actorOfTopRoute(_ m: SIPMessage) -> String? {
        let ctx = ctx
        var found: String?
        m.withFirstListValue(.route) { b in if let b { found = ctx.actor(forURIBytes: b) } }
        return found
    }

    /// The actor `m`'s Request-URI names (`requestURIText` read as bytes).
    func actorOfRequestURI(_ m: SIPMessage) -> String? {
        let ctx = ctx
        var found: String?
        m.withRequestURI { b in if let b { found = ctx.actor(forURIBytes: b) } }
        return found
    }

    /// Responds through a server transaction (or directly to `peer` without one).
    func respond(to request: SIPMessage, _ tx: ServerTransaction?, peer: String, status: Int, reason: String,
                 extra: [(String, String)] = [], note: String = "") {
        guard request.method != "ACK",
              let r = MessageText.response(to: request, status: status, reason: reason, toTag: status > 100 ? ctx.tag() : nil,
                                           extra: extra) else { return }
        if let tx { tx.respond(r, note: note) } else { transport.send(r.wire, from: name, to: peer, note: note) }
    }
}

/// A name-addr list header rewritten value by value (PAI display names, verstat).
extension SIPMessage {
    func nameAddresses(_ header: KnownHeader) -> [AddressValue] {
        (try? addressValues(header)) ?? []
    }
}
