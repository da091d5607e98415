/// What a scenario declares: actors, trust domains, links, subscribers and the PKI. Plain
/// values, so the scenario language only maps text onto them.
public struct NetworkSpec: Sendable {
    public var actors: [ActorSpec]
    /// Trust domain name -> actor names (RFC 3325 Spec(T)). UEs are never inside one.
    public var trustDomains: [String: [String]]
    /// Pairs of trust domains that trust each other (one Spec(T) across operators).
    public var trustedPeers: [[String]]
    public var links: [LinkSpec]
    public var subscribers: [SubscriberSpec]
    public var pki: PKISpec
    /// Unix time (seconds) at virtual time zero: drives Date, `iat` and certificate validity.
    public var epochBase: Int64
    /// Synthetic addresses from fd00::/8 instead of 10.0.0.0/8.
    public var useIPv6: Bool

    /// 2027-01-14T08:00:00Z.
    public static let defaultEpochBase: Int64 = 1_799_913_600

    public init(actors: [ActorSpec], trustDomains: [String: [String]] = [:], trustedPeers: [[String]] = [],
                links: [LinkSpec], subscribers: [SubscriberSpec] = [], pki: PKISpec = .generated(seed: 1),
                epochBase: Int64 = NetworkSpec.defaultEpochBase, useIPv6: Bool = false) {
        self.useIPv6 = useIPv6
        self.actors = actors
        self.trustDomains = trustDomains
        self.trustedPeers = trustedPeers
        self.links = links
        self.subscribers = subscribers
        self.pki = pki
        self.epochBase = epochBase
    }
}

public enum ActorRole: String, Hashable, Sendable, CaseIterable, Codable {
    case ue, pcscf, scscf, icscf, ibcf
    case stiAS = "sti-as", stiVS = "sti-vs", enterprise, tas
    case attacker
    case dcsf, mf, nrf

    /// Roles that act as a SIP proxy in the path (everything but the UE and the attacker).
    public var isProxy: Bool { self != .ue && self != .attacker }
}

public struct ActorSpec: Sendable {
    public var name: String
    public var role: ActorRole
    /// The home domain of the element (`ims.example`); realm of an S-CSCF, host part for UEs.
    public var domain: String?
    /// Policy switches by name; unknown names are rejected (see `PolicyCatalog`).
    public var policy: [String: PolicyValue]
    /// Signing credential: a TestPKI name (`sp`, `delegate`, `expired`, `out-of-scope`, `untrusted`).
    public var certificate: String?
    /// For a UE: the subscriber it registers as (default: the subscriber named like the UE).
    public var subscriber: String?
    /// Live mode only: a real socket for this actor, or a real system standing in for it.
    public var live: LiveBinding?

    /// For a verifier: what fetching each URL returns (RCD icons, jCards: RFC 9795 rcdi input).
    /// A URL not listed cannot be fetched.
    public var web: [String: [UInt8]]

    public init(name: String, role: ActorRole, domain: String? = nil, policy: [String: PolicyValue] = [:],
                certificate: String? = nil, subscriber: String? = nil, live: LiveBinding? = nil, web: [String: [UInt8]] = [:]) {
        self.web = web
        self.live = live
        self.name = name
        self.role = role
        self.domain = domain
        self.policy = policy
        self.certificate = certificate
        self.subscriber = subscriber
    }
}

/// How an actor meets real sockets in a live run.
public enum LiveBinding: Sendable, Hashable {
    /// A harness actor on a real socket: links to external actors leave from it.
    case listen(ActorEndpoint)
    /// A system under test: not simulated, reached at `address`, or at `perPeer[actor]` from
    /// that harness actor (a P-CSCF with separate access and core sockets).
    case external(address: ActorEndpoint, perPeer: [String: ActorEndpoint])

    public var isExternal: Bool { if case .external = self { true } else { false } }

    /// Every endpoint the actor uses, the main one first.
    public var endpoints: [ActorEndpoint] {
        switch self {
        case .listen(let e): [e]
        case .external(let a, let per): [a] + per.sorted { $0.key < $1.key }.map(\.value).filter { $0 != a }
        }
    }
}

public enum TransportKind: String, Hashable, Sendable, CaseIterable, Codable {
    case udp = "UDP", tcp = "TCP", tls = "TLS"
    /// RFC 3261 §17: retransmission timers run only over unreliable transports.
    public var isReliable: Bool { self != .udp }
}

public struct LinkSpec: Sendable {
    public var a: String
    public var b: String
    public var transport: TransportKind
    public var latencyMs: Int
    /// Probabilities per message, drawn from the run's seed.
    public var loss: Double
    public var duplicate: Double
    public var reorder: Double

    public init(_ a: String, _ b: String, transport: TransportKind = .udp, latencyMs: Int = 1, loss: Double = 0,
                duplicate: Double = 0, reorder: Double = 0) {
        self.a = a
        self.b = b
        self.transport = transport
        self.latencyMs = latencyMs
        self.loss = loss
        self.duplicate = duplicate
        self.reorder = reorder
    }

    /// `a<->b`, the link's name in traces and attack filters.
    public var name: String { "\(a)<->\(b)" }
}

/// A third-party identity the subscriber may present (TR 33.890 KI#1 solution 1).
public struct AuthorisedIdentity: Hashable, Sendable {
    public var tn: String
    public var name: String
    public init(tn: String, name: String) {
        self.tn = tn
        self.name = name
    }
}

/// One HSS entry, inline in the scenario.
public struct SubscriberSpec: Sendable {
    /// Private identity / digest username.
    public var name: String
    /// The implicit registration set; the first is the default IMPU.
    public var impus: [String]
    public var tn: String?
    public var password: String
    public var thirdParty: [AuthorisedIdentity]
    /// IMS data channel applications the user may use (empty: no DC authorisation).
    public var dataChannelApps: [String]
    /// Barred IMPUs in the implicit set (never asserted).
    public var barred: [String]
    /// IMS AKA credentials: with them the S-CSCF challenges with AKAv1-MD5, not a password digest.
    public var aka: AKASubscription?

    public init(name: String, impus: [String], tn: String? = nil, password: String, thirdParty: [AuthorisedIdentity] = [],
                dataChannelApps: [String] = [], barred: [String] = [], aka: AKASubscription? = nil) {
        self.aka = aka
        self.name = name
        self.impus = impus
        self.tn = tn
        self.password = password
        self.thirdParty = thirdParty
        self.dataChannelApps = dataChannelApps
        self.barred = barred
    }
}

/// The USIM / HSS side of IMS AKA (TS 33.203, Milenage TS 35.206), the same on both sides.
public struct AKASubscription: Hashable, Sendable {
    /// Subscriber key K, 16 bytes.
    public var k: [UInt8]
    /// OPc, 16 bytes; or OP, from which OPc = OP ⊕ E_K(OP) is derived.
    public var opc: [UInt8]?
    public var op: [UInt8]?
    /// Authentication management field, 2 bytes.
    public var amf: [UInt8]
    /// The last SQN used (48 bits): the HSS's next challenge carries sqn + 1, and the USIM
    /// accepts only SQNs above the highest it has seen, which starts here.
    public var sqn: UInt64

    public init(k: [UInt8], opc: [UInt8]? = nil, op: [UInt8]? = nil, amf: [UInt8] = [0x80, 0x00], sqn: UInt64 = 0) {
        self.k = k
        self.opc = opc
        self.op = op
        self.amf = amf
        self.sqn = sqn
    }
}

public enum PKISpec: Hashable, Sendable {
    /// Identity's TestPKI generated at the epoch base; the seed makes the keys reproducible.
    case generated(seed: UInt64)
}

/// A policy switch value: on/off, a number, or the name of an alternative.
public enum PolicyValue: Hashable, Sendable, CustomStringConvertible, ExpressibleByBooleanLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    case bool(Bool), int(Int), string(String)

    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }

    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var intValue: Int? { if case .int(let i) = self { return i }; return nil }
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }

    public var kindName: String {
        switch self {
        case .bool: "bool"
        case .int: "int"
        case .string: "string"
        }
    }

    public var description: String {
        switch self {
        case .bool(let b): String(b)
        case .int(let i): String(i)
        case .string(let s): s
        }
    }
}
