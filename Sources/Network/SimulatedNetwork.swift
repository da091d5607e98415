import SIPCore

/// A whole IMS network in one process on a virtual clock. Build it from a `NetworkSpec`,
/// drive it with register / call / answer / hangup / send / attack, move time with
/// `advance` / `runUntilIdle`, and read `trace`, `display(of:)` and `callState(_:)`.
public final class SimulatedNetwork {
    public let spec: NetworkSpec
    public let seed: UInt64
    let scheduler = VirtualScheduler()
    let recorder = TraceRecorder()
    let ctx: NetworkContext
    let transport: SimulatedTransport
    let attacks: AttackEngine
    var elements: [String: Element] = [:]
    /// SBI (HTTP/2) exchanges, NRF tokens and producer checks; built on first use.
    lazy var sbi = ServiceBasedInterface(ctx: ctx, spec: spec, transport: transport)
    private var calls: [String: (ue: String, callID: String)] = [:]
    /// Live runs: actors a real system plays (no element here).
    private let externalNames: Set<String>

    public init(spec: NetworkSpec, seed: UInt64) throws(NetworkConfigError) {
        self.spec = spec
        self.seed = seed
        externalNames = Set(spec.actors.filter { $0.live?.isExternal == true }.map(\.name))
        try Self.validate(spec)
        let pki: SimulationPKI
        switch spec.pki {
        case .generated(let pkiSeed): pki = try SimulationPKI.shared(seed: pkiSeed, epochBase: spec.epochBase)
        }
        ctx = NetworkContext(spec: spec, seed: seed, scheduler: scheduler, trace: recorder, pki: pki)
        var addresses: [String: SocketAddress] = [:]
        for (i, a) in spec.actors.enumerated() {
            if let live = a.live {
                addresses[a.name] = live.endpoints[0].address
                continue
            }
            let n = i + 2
            let host = spec.useIPv6 ? "fd00::\(String(n, radix: 16))" : "10.0.\(n / 250).\(n % 250 + 1)"
            addresses[a.name] = SocketAddress(host: host, port: 5060)
        }
        let ctx = self.ctx
        transport = SimulatedTransport(links: spec.links.map { Self.liveTransport($0, spec) }, addresses: addresses, boundary: { a, b in !ctx.trusts(a, b) },
                                       scheduler: scheduler, trace: recorder, seed: seed)
        attacks = AttackEngine(ctx: ctx)
        for a in spec.actors where !externalNames.contains(a.name) {
            let policy = try PolicyCatalog.resolve(actor: a.name, role: a.role, a.policy)
            if let cert = a.certificate, pki.signer(cert) == nil {
                throw .unknownCertificate(actor: a.name, name: cert, known: SimulationPKI.credentialNames)
            }
            let element: Element
            switch a.role {
            case .ue:
                let subName = a.subscriber ?? a.name
                guard let sub = ctx.subscribers[subName] else {
                    throw a.subscriber == nil ? .noSubscriberForUE(a.name) : .unknownSubscriber(actor: a.name, subscriber: subName)
                }
                element = UserEquipment(spec: a, policy: policy, ctx: ctx, transport: transport, subscriber: sub)
            case .pcscf: element = PCSCF(spec: a, policy: policy, ctx: ctx, transport: transport)
            case .scscf: element = SCSCF(spec: a, policy: policy, ctx: ctx, transport: transport)
            case .icscf: element = ICSCF(spec: a, policy: policy, ctx: ctx, transport: transport)
            case .ibcf: element = IBCF(spec: a, policy: policy, ctx: ctx, transport: transport)
            case .stiAS, .stiVS, .enterprise, .tas: element = ApplicationServer(spec: a, policy: policy, ctx: ctx, transport: transport)
            case .attacker, .dcsf, .mf, .nrf: element = Endpoint(spec: a, policy: policy, ctx: ctx, transport: transport)
            }
            (element as? ProxyElement)?.setUp()
            elements[a.name] = element
        }
    }

    /// Ends the network so its memory can be freed: actors and their transport hold each other,
    /// and pending events hold transactions. Read `trace` and states before; drive nothing after.
    public func close() {
        scheduler.removeAll()
        transport.detachAll()
    }

    static func validate(_ spec: NetworkSpec) throws(NetworkConfigError) {
        var names = Set<String>()
        for a in spec.actors {
            guard !a.name.isEmpty, a.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                throw .invalidActorName(a.name)
            }
            guard names.insert(a.name).inserted else { throw .duplicateActor(a.name) }
        }
        var links = Set<String>()
        for l in spec.links {
            for end in [l.a, l.b] where !names.contains(end) { throw .unknownActorInLink(link: l.name, actor: end) }
            guard l.a != l.b else { throw .selfLink(l.name) }
            guard links.insert(SimulatedTransport.key(l.a, l.b)).inserted else { throw .duplicateLink(l.name) }
            for (f, v) in [("loss", l.loss), ("duplicate", l.duplicate), ("reorder", l.reorder)] where !(0...1).contains(v) {
                throw .invalidLinkProbability(link: l.name, field: f, value: v)
            }
            guard l.latencyMs >= 0 else { throw .invalidLatency(link: l.name, value: l.latencyMs) }
        }
        var seen: [String: String] = [:]
        for (d, members) in spec.trustDomains.sorted(by: { $0.key < $1.key }) {
            for m in members {
                guard names.contains(m) else { throw .unknownActorInTrustDomain(domain: d, actor: m) }
                if let other = seen[m] { throw .actorInTwoTrustDomains(actor: m, domains: [other, d]) }
                seen[m] = d
            }
        }
        for pair in spec.trustedPeers { for d in pair where spec.trustDomains[d] == nil { throw .unknownTrustDomain(d) } }
        for s in spec.subscribers {
            guard !s.impus.isEmpty else { throw .subscriberWithoutIMPU(s.name) }
            for i in s.impus where (try? URI(parsing: i)).map({ if case .other = $0 { false } else { true } }) != true {
                throw .invalidIMPU(subscriber: s.name, impu: i)
            }
        }
    }

    /// A link to an external actor carries the transport of the socket that reaches it.
    static func liveTransport(_ l: LinkSpec, _ spec: NetworkSpec) -> LinkSpec {
        var l = l
        for (end, other) in [(l.a, l.b), (l.b, l.a)] {
            guard case .external(let address, let perPeer)? = spec.actors.first(where: { $0.name == end })?.live else { continue }
            l.transport = (perPeer[other] ?? address).transport
        }
        return l
    }

    // MARK: Live runs

    /// Hands what harness actors send to external actor `name` to `outlet` (its real socket),
    /// after the link has traced it and any attack has applied.
    public func connectExternal(_ name: String, outlet: @escaping (_ bytes: [UInt8], _ from: String) -> Void) throws(NetworkError) {
        guard isExternal(name) else { throw .unknownActor(name) }
        transport.attach(ExternalOutlet(outlet), as: name)
    }

    /// A message the real system `from` sent to harness actor `to`: it travels their link like
    /// any send (traced, attackable). A sender with no link (an unknown address) is a drop.
    public func receiveFromExternal(_ bytes: [UInt8], from: String, to: String) {
        transport.send(bytes, from: from, to: to, note: "from the real \(from)")
    }

    /// Records what the real sockets saw that no link carried (garbage, a closed connection, an
    /// oversized message) as a dropped message, so it is evidence like any other.
    public func recordLiveEvent(from: String, to: String, bytes: [UInt8], note: String) {
        recorder.record(scheduler.nowMs, .dropped, from: from, to: to, bytes: bytes, note: Self.liveEventPrefix + note)
    }

    /// How the notes of `recordLiveEvent` start (reports list them apart).
    public static let liveEventPrefix = "live "

    /// Whether `name` is a real system in this run.
    public func isExternal(_ name: String) -> Bool { externalNames.contains(name) }

    // MARK: Operations

    private func ue(_ name: String) throws(NetworkError) -> UserEquipment {
        if elements[name] == nil, isExternal(name) { throw .externalActor(name) }
        guard let e = elements[name] else { throw .unknownActor(name) }
        guard let u = e as? UserEquipment else { throw .notAUE(name) }
        return u
    }

    /// Starts a registration (digest challenge and response); run the clock to complete it.
    /// `password` overrides the subscriber's (to test a wrong one).
    public func register(ue name: String, password: String? = nil, expires: Int = 3600) throws(NetworkError) {
        try ue(name).register(password: password, expires: expires)
    }

    public func registrationState(of name: String) -> RegistrationState? { (elements[name] as? UserEquipment)?.registration }

    /// Starts a call from a UE. `to` is a UE name (its default IMPU) or a sip:/sips:/tel: URI.
    public func call(from name: String, to target: String, id: String, options: CallOptions = CallOptions()) throws(NetworkError) {
        let caller = try ue(name)
        guard calls[id] == nil else { throw .duplicateCallID(id) }
        let uri: String
        if let callee = elements[target] as? UserEquipment {
            uri = callee.impu
        } else if let parsed = try? URI(parsing: target), parsed.sipURI != nil || parsed.telURI != nil {
            uri = target
        } else {
            throw .invalidTarget(target)
        }
        caller.call(label: id, target: uri, options: options)
        if let d = caller.dialogs.values.first(where: { $0.label == id }) { calls[id] = (name, d.callID) }
    }

    /// Answers the call `id` at the terminating UE (when its `auto_answer` is off).
    public func answer(_ id: String) throws(NetworkError) {
        guard let (_, callID) = calls[id] else { throw .unknownCall(id) }
        for case let u as UserEquipment in orderedElements {
            if let d = u.dialogs[callID], !d.isCaller { u.answer(d); return }
        }
        throw .unknownCall(id)
    }

    /// Sends BYE for call `id` from `by` (default: the caller).
    public func hangup(_ id: String, by: String? = nil) throws(NetworkError) {
        guard let (caller, callID) = calls[id] else { throw .unknownCall(id) }
        let u = try ue(by ?? caller)
        guard let d = u.dialogs[callID] else { throw .unknownCall(id) }
        u.hangup(d)
    }

    /// Sends raw bytes from one actor to another over their link (an attacker endpoint or a
    /// crafted message); they bypass the sender's transaction layer.
    public func send(from: String, to: String, bytes: [UInt8], note: String = "injected") throws(NetworkError) {
        guard elements[from] != nil else { throw isExternal(from) ? .externalActor(from) : .unknownActor(from) }
        guard elements[to] != nil || isExternal(to) else { throw .unknownActor(to) }
        guard transport.link(from, to) != nil else { throw .noLink(from: from, to: to) }
        _ = transport.inject(Packet(bytes: bytes, from: from, to: to), note: note)
    }

    public func send(from: String, to: String, message text: String, note: String = "injected") throws(NetworkError) {
        try send(from: from, to: to, bytes: Array(text.utf8), note: note)
    }

    /// Attaches an attack; it applies to messages sent from now on.
    public func attack(_ action: AttackAction) throws(NetworkError) {
        if let l = action.match.link {
            let ends = l.components(separatedBy: "<->")
            guard ends.count == 2, transport.link(ends[0], ends[1]) != nil else { throw .noLink(from: ends.first ?? l, to: ends.last ?? l) }
        }
        attacks.add(action)
        // Tapped from the first attack on: until then every packet would pass unchanged.
        if transport.tap == nil {
            let engine = attacks
            transport.tap = { p, l in engine.intercept(p, l) }
        }
    }

    // MARK: Time

    public var nowMs: Int64 { scheduler.nowMs }
    /// Unix seconds at the current virtual time.
    public var unixTime: Int64 { ctx.unixNow }

    public func advance(ms: Int64) { scheduler.advance(ms: ms) }
    public func advance(seconds: Double) { scheduler.advance(ms: Int64((seconds * 1000).rounded())) }

    /// Runs until no event is pending (every timer included). False if `maxEvents` was hit.
    @discardableResult
    public func runUntilIdle(maxEvents: Int = 5_000_000) -> Bool { scheduler.runUntilIdle(maxEvents: maxEvents) }

    // MARK: Queries

    public var trace: [TraceEvent] { recorder.events }
    /// Record message bytes in the trace (off for benchmarks).
    public var recordsTrace: Bool {
        get { recorder.enabled }
        set { recorder.enabled = newValue }
    }
    public var traceEventCount: Int { recorder.count }

    /// What UE `name` shows for its latest incoming call (or the call with SIP Call-ID `callID`).
    public func display(of name: String, callID: String? = nil) -> CallDisplay? {
        guard let u = elements[name] as? UserEquipment else { return nil }
        if let callID { return u.dialogs[callID]?.display }
        return u.dialogs.values.filter { !$0.isCaller }.max { $0.label.count == $1.label.count ? $0.label < $1.label : $0.label.count < $1.label.count }?.display
    }

    /// The caller's view of call `id`.
    public func callState(_ id: String) -> CallState? {
        guard let (ue, callID) = calls[id] else { return nil }
        return (elements[ue] as? UserEquipment)?.dialogs[callID]?.state
    }

    /// Drops every call that has ended (terminated or failed) from the UEs and the call table,
    /// so a network reused for many calls (benchmarks) does not grow with each one. Their ids
    /// become unknown afterwards.
    public func forgetEndedCalls() {
        func ended(_ d: Dialog) -> Bool { d.state.phase == .terminated || d.state.phase == .failed }
        // Removed in place: a filtered copy would rebuild each dictionary after every call.
        for u in userEquipments {
            for id in u.dialogs.compactMap({ ended($0.value) ? $0.key : nil }) { u.dialogs[id] = nil }
        }
        let forgotten = calls.compactMap { id, c in (elements[c.ue] as? UserEquipment)?.dialogs[c.callID] == nil ? id : nil }
        for id in forgotten { calls[id] = nil }
    }

    /// The UEs, in spec order (the elements are made once, at set-up).
    private lazy var userEquipments: [UserEquipment] = orderedElements.compactMap { $0 as? UserEquipment }

    /// The callee's view of call `id` (the UE that received it).
    public func calleeState(_ id: String) -> CallState? {
        guard let (_, callID) = calls[id] else { return nil }
        for case let u as UserEquipment in orderedElements {
            if let d = u.dialogs[callID], !d.isCaller { return d.state }
        }
        return nil
    }

    /// Synthetic address of every actor (for pcap export).
    public func address(of actor: String) -> SocketAddress? { transport.address(of: actor) }

    /// Whether the link between two actors crosses a trust-domain boundary.
    public func crossesTrustBoundary(_ a: String, _ b: String) -> Bool? { transport.link(a, b)?.crossesTrustBoundary }

    private var orderedElements: [Element] { spec.actors.compactMap { elements[$0.name] } }
}

/// Attacker endpoint and SBA placeholders: receives and records, answers nothing.
final class Endpoint: Element {}

/// Stands in for an external actor on the simulated links: delivery hands the bytes to its socket.
final class ExternalOutlet: MessageReceiver {
    let deliver: ([UInt8], String) -> Void
    init(_ deliver: @escaping ([UInt8], String) -> Void) { self.deliver = deliver }
    func receive(_ bytes: [UInt8], from peer: String) { deliver(bytes, peer) }
}
