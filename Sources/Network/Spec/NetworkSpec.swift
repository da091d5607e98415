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

    public init(name: String, role: ActorRole, domain: String? = nil, policy: [String: PolicyValue] = [:],
                certificate: String? = nil, subscriber: String? = nil) {
        self.name = name
        self.role = role
        self.domain = domain
        self.policy = policy
        self.certificate = certificate
        self.subscriber = subscriber
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

    public init(name: String, impus: [String], tn: String? = nil, password: String, thirdParty: [AuthorisedIdentity] = [],
                dataChannelApps: [String] = [], barred: [String] = []) {
        self.name = name
        self.impus = impus
        self.tn = tn
        self.password = password
        self.thirdParty = thirdParty
        self.dataChannelApps = dataChannelApps
        self.barred = barred
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
