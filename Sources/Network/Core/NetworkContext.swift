import SIPCore

/// What every actor may look up: roles, trust domains, the subscriber table (HSS), the PKI,
/// the clock base and the run's generator. One per network; single-threaded.
final class NetworkContext {
    let roles: ActorNameMap<ActorRole>
    let domains: [String: String]
    let trustDomainOf: ActorNameMap<String>
    let trustedPairs: Set<String>
    let subscribers: [String: SubscriberSpec]
    let subscriberOrder: [String]
    let epochBase: Int64
    let scheduler: VirtualScheduler
    let trace: TraceRecorder
    var random: SeededRandom
    let pki: SimulationPKI
    /// IMPU -> S-CSCF that holds its registration (the HSS's S-CSCF assignment).
    var servingSCSCF: [String: String] = [:]
    /// Actor names in declaration order (deterministic iteration).
    let actorOrder: [String]
    let linkedPeers: ActorNameMap<[String]>
    /// Identity key -> the first subscriber (in declaration order) whose IMPUs or TN have it.
    private let ownerByKey: [String: String]
    /// Route / Request-URI text -> actor ("" for none): the same few texts recur on every hop.
    private var actorCache = TextCache<String>()
    /// URI text -> `Addressing.identityKey` (a URI parse each time): the same few IMPUs, TNs
    /// and Request-URIs recur on every REGISTER and INVITE.
    private var identityKeyCache = TextCache<String>()
    /// Live runs: actor -> `host:port` (and `;transport=` for TCP/TLS) used in its URIs, and
    /// every live `host:port` -> actor.
    private let liveHosts: [String: String]
    private let actorByHostPort: [String: String]

    init(spec: NetworkSpec, seed: UInt64, scheduler: VirtualScheduler, trace: TraceRecorder, pki: SimulationPKI) {
        var roles: [String: ActorRole] = [:]
        var domains: [String: String] = [:]
        for a in spec.actors {
            roles[a.name] = a.role
            if let d = a.domain { domains[a.name] = d }
        }
        self.roles = ActorNameMap(roles)
        self.domains = domains
        var td: [String: String] = [:]
        for (d, names) in spec.trustDomains { for n in names where roles[n] != .ue { td[n] = d } }
        trustDomainOf = ActorNameMap(td)
        var pairs = Set<String>()
        for p in spec.trustedPeers where p.count >= 2 {
            for x in p { for y in p where x != y { pairs.insert(x + "\u{0}" + y) } }
        }
        trustedPairs = pairs
        subscribers = Dictionary(spec.subscribers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        subscriberOrder = spec.subscribers.map(\.name)
        epochBase = spec.epochBase
        self.scheduler = scheduler
        self.trace = trace
        random = SeededRandom(seed: seed)
        self.pki = pki
        actorOrder = spec.actors.map(\.name)
        var peers: [String: [String]] = [:]
        for l in spec.links {
            peers[l.a, default: []].append(l.b)
            peers[l.b, default: []].append(l.a)
        }
        linkedPeers = ActorNameMap(peers)
        var owners: [String: String] = [:]
        for name in spec.subscribers.map(\.name) {
            guard let s = subscribers[name] else { continue }
            for key in s.impus.map(Addressing.identityKey) + (s.tn.map { [Addressing.identityKey("tel:" + $0)] } ?? [])
            where owners[key] == nil {
                owners[key] = name
            }
        }
        ownerByKey = owners
        var hosts: [String: String] = [:], byHostPort: [String: String] = [:]
        for a in spec.actors {
            guard let live = a.live else { continue }
            // A stream endpoint says so in the URI (RFC 3261 §19.1.1), or a real peer would use UDP.
            let main = live.endpoints[0]
            hosts[a.name] = main.uriHostPort + (main.transport == .udp ? "" : ";transport=" + main.transport.rawValue.lowercased())
            for e in live.endpoints { byHostPort[e.uriHostPort] = a.name }
        }
        liveHosts = hosts
        actorByHostPort = byHostPort
    }

    /// The host part of URIs naming `actor` (Route, Record-Route, Path, Contact): its name in
    /// simulation, its real `host:port` (with `;transport=tcp|tls` off UDP) in a live run so a
    /// real peer can reach it.
    func host(of actor: String) -> String { liveHosts[actor] ?? actor }

    /// `<sip:host;lr>` for `actor`: the loose-route entry (Route, Record-Route, Path) naming it.
    func looseRoute(to actor: String) -> String { "<sip:\(host(of: actor));lr>" }

    /// Unix seconds now (epoch base + virtual time).
    var unixNow: Int64 { epochBase + scheduler.nowMs / 1000 }

    /// RFC 3325 Spec(T): both inside one trust domain, or in domains that trust each other.
    /// A UE or an actor outside every domain is never trusted.
    func trusts(_ a: String, _ b: String) -> Bool {
        guard let da = trustDomainOf[a], let db = trustDomainOf[b] else { return false }
        return da == db || trustedPairs.contains(da + "\u{0}" + db)
    }

    func peers(of actor: String, role: ActorRole) -> [String] {
        (linkedPeers[actor] ?? []).filter { roles[$0] == role }
    }

    /// The subscriber whose implicit registration set contains `uri` (compared as AoR / TN).
    func subscriber(owning uri: String) -> SubscriberSpec? {
        ownerByKey[identityKey(uri)].flatMap { subscribers[$0] }
    }

    /// `Addressing.identityKey(text)`, remembered: it depends on the text alone.
    func identityKey(_ text: String) -> String {
        if let hit = identityKeyCache[text] { return hit }
        let key = Addressing.identityKey(text)
        identityKeyCache.remember(key, for: text)
        return key
    }

    /// The actor a Route / Request-URI text points at (its host names it).
    func actor(for uriText: String) -> String? {
        if let hit = actorCache[uriText] { return hit.isEmpty ? nil : hit }
        let found = actorByHostPort.isEmpty ? Addressing.host(uriText).flatMap { Addressing.actor(forHost: $0, in: roles) }
            : Addressing.hostPort(uriText).flatMap { actorByHostPort[$0] } ?? Addressing.host(uriText).flatMap { Addressing.actor(forHost: $0, in: roles) }
        actorCache.remember(found ?? "", for: uriText)
        return found
    }

    /// `actor(for: String(decoding: bytes, as: UTF8.self))`, made without the String when the
    /// text was resolved before.
    func actor(forURIBytes bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if let hit = actorCache[bytes: bytes] { return hit.isEmpty ? nil : hit }
        return actor(for: String(decoding: bytes, as: UTF8.self))
    }

    // MARK: Generated values

    func tag() -> String { random.hex(10) }
    func callID() -> String { random.hex(20) }
    func nonce() -> String { random.hex(32) }
}
