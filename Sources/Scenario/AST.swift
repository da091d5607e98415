/// The typed form of a scenario file. Every element keeps the place it came from so the
/// engine's failures and the validator's errors can point at the text.

public struct Located<T: Sendable & Hashable>: Sendable, Hashable {
    public var value: T
    public var location: SourceLocation
    public init(_ value: T, _ location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

/// A scalar policy setting (mirrors Network's PolicyValue without depending on it).
public enum PolicySetting: Sendable, Hashable, CustomStringConvertible {
    case bool(Bool)
    case int(Int)
    case string(String)
    public var description: String {
        switch self {
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .string(let s): return s
        }
    }
}

public struct ActorDef: Sendable, Hashable {
    public var name: String
    public var role: String
    public var domain: String?
    /// The subscriber a UE registers as (defaults to the actor's own name).
    public var subscriber: String?
    public var policy: [String: Located<PolicySetting>]
    public var certificate: String?
    public var location: SourceLocation
    /// `listen:` / `external:`, used only by live runs (a simulated run plays every actor).
    public var live: LiveActorDef? = nil
    /// `web: {URL: body}`: what this actor (a verifier) fetches at each URL.
    public var web: [String: String] = [:]
}

/// How an actor meets real sockets when the scenario runs live (endpoints as written,
/// `udp:127.0.0.1:5070`; checked by the decoder).
public enum LiveActorDef: Sendable, Hashable {
    case listen(String)
    /// A real system under test, reached at `address`, or at `perPeer[actor]` from that actor.
    case external(address: String, perPeer: [String: String])

    public var isExternal: Bool { if case .external = self { true } else { false } }
}

public struct LinkDef: Sendable, Hashable {
    public var a: String
    public var b: String
    public var transport: String
    public var latencyMs: Double
    public var loss: Double
    public var duplicate: Double
    public var reorder: Double
    public var location: SourceLocation
}

public struct ThirdPartyIdentity: Sendable, Hashable {
    public var tn: String
    public var name: String?
}

public struct SubscriberDef: Sendable, Hashable {
    public var name: String
    public var impus: [String]
    public var tn: String?
    public var password: String?
    public var displayName: String?
    public var thirdParty: [ThirdPartyIdentity]
    public var dataChannelApps: [String]
    public var location: SourceLocation
    /// IMS AKA keys (`k`, `opc` or `op`, `amf`, `sqn`); nil: password digest.
    public var aka: AKADef? = nil
}

/// A subscriber's IMS AKA keys, decoded from hex.
public struct AKADef: Sendable, Hashable {
    public var k: [UInt8]
    public var opc: [UInt8]?
    public var op: [UInt8]?
    public var amf: [UInt8]
    public var sqn: UInt64
}

public struct PKIDef: Sendable, Hashable {
    /// Seed of the generated test PKI (default: the scenario's seed).
    public var seed: UInt64?
}

public struct TrustDomainDef: Sendable, Hashable {
    public var name: String
    public var members: [String]
    public var location: SourceLocation
}

public struct NetworkDef: Sendable, Hashable {
    public var actors: [ActorDef] = []
    public var trustDomains: [TrustDomainDef] = []
    /// Pairs of trust domains that trust each other.
    public var trustedPeers: [[String]] = []
    public var links: [LinkDef] = []
    public var subscribers: [SubscriberDef] = []
    public var pki = PKIDef()

    public func actor(_ name: String) -> ActorDef? { actors.first { $0.name == name } }
    public func subscriber(_ name: String) -> SubscriberDef? { subscribers.first { $0.name == name } }
}

/// Text that may hold `${root.field}` references, resolved by the engine at run time.
public struct Template: Sendable, Hashable, CustomStringConvertible {
    public var text: String
    public var location: SourceLocation
    public var description: String { text }
}

public struct HeaderEdit: Sendable, Hashable {
    public var name: String
    public var value: Template
}

public struct RegisterStep: Sendable, Hashable {
    public var ue: String
    public var password: String?
    public var impu: Template?
    public var headers: [HeaderEdit]
}

public struct CallStep: Sendable, Hashable {
    public var id: String
    public var from: String
    public var to: Template
    public var headers: [HeaderEdit]
    /// From display name (the RCD name the caller asks for) and RFC 9796 call reason.
    public var displayName: String?
    public var reason: String?
    /// Offer bootstrap data-channel m-lines.
    public var dataChannel: Bool
    /// `data_channel:` as a mapping: remote BDC, application DCs, fingerprint.
    public var dataChannelOffer: DataChannelDef? = nil
}

/// A data channel offer (TS 26.114): which DC m-lines the caller writes.
public struct DataChannelDef: Sendable, Hashable {
    public var bootstrap = true
    public var remoteBootstrap = false
    public var apps: [String] = []
    public var fingerprint: String?
}

/// An SBI service call (TS 33.501 §13.4.1): consumer, producer, token and TLS client choice.
public struct SBARequestStep: Sendable, Hashable {
    public var id: String
    public var from: String
    public var to: String
    /// valid, none, expired, other-audience, wrong-scope, forged-signature, untrusted-issuer, replayed.
    public var token: String
    /// own, none, or another NF instance id.
    public var tlsIdentity: String
    public var service: String?
}

public struct CallRefStep: Sendable, Hashable {
    public var call: String
    public var by: String?
}

public struct SendStep: Sendable, Hashable {
    public var from: String
    public var to: String
    public var message: Template
}

/// Which traffic an attacker rule touches.
public struct MatchFilter: Sendable, Hashable {
    public var link: [String]?          // the two actor names of the link
    public var from: String?
    public var to: String?
    public var method: String?
    public var status: Int?
    public var nth: Int?
}

public struct AttackStep: Sendable, Hashable {
    /// Canonical action name (aliases such as spoof_header are mapped on load).
    public var action: String
    public var match: MatchFilter
    /// Remaining action parameters (header, value, part, key, delay, ...), templated.
    public var parameters: [String: Located<String>]
}

public enum StepKind: Sendable, Hashable {
    case register(RegisterStep)
    case call(CallStep)
    case answer(CallRefStep)
    case hangup(CallRefStep)
    case send(SendStep)
    case attack(AttackStep)
    case advance(ms: Int)
    case expect([Assertion])
    case sbaRequest(SBARequestStep)
    /// `replay: {capture: FILE, ...}` (DecoderReplay.swift); `replay:` without `capture` is an attack.
    case replayCapture(CaptureReplayStep)
}

public struct Step: Sendable, Hashable {
    public var kind: StepKind
    public var location: SourceLocation
    public var keyword: String
}

public enum HeaderPredicate: Sendable, Hashable {
    case present
    case absent
    case equals(Template)
    case matches(String)
    case contains(Template)
}

/// Selects messages in the trace.
public struct MessageSelector: Sendable, Hashable {
    public var at: String?          // delivered to this actor
    public var from: String?        // sent by this actor
    public var method: String?
    public var status: Int?
    public var statusClass: Int?    // 4 for "4xx"
    public var call: String?        // step id of a call
    public var header: String?
    public var predicate: HeaderPredicate?
}

public enum AssertionKind: Sendable, Hashable {
    case never(MessageSelector)
    case eventually(MessageSelector)
    case count(MessageSelector, min: Int?, max: Int?)
    /// What the terminating UE shows: verstat, display name, call reason.
    case display(ue: String, verstat: String?, name: String?, reason: String?, identity: Template?)
    /// The verification service's verdict (result valid/invalid, failing policy, status).
    case verdict(at: String?, valid: Bool?, policy: String?, status: Int?)
    /// RFC 3325 §7: with Privacy: id no PAI reaches an actor outside the originating trust domain.
    case privacyRespected
    /// TS 24.229: no PAI first put in by a UE reaches a trusted node.
    case noUEAssertedIdentity
    case callEstablished(call: String, established: Bool)
    /// Active (port ≠ 0) DC m-lines in the last INVITE delivered to `at`, optionally only those
    /// requesting `app` or carrying `dcmap` stream `stream`.
    case dataChannel(at: String, app: String?, stream: Int?, active: Int)
    /// The outcome of an `sba_request`: response status, RFC 6750 error, or a TLS failure.
    case sbaResponse(request: String, status: Int?, error: String?, tlsFailure: Bool?)
}

public struct Assertion: Sendable, Hashable {
    public var id: String?
    public var kind: AssertionKind
    public var location: SourceLocation
    /// The assertion as written, one line, for reports.
    public var text: String
}

/// One runnable case: a file, or one entry of its matrix.
public struct ScenarioCase: Sendable, Hashable {
    public var file: String
    public var name: String
    public var description: String
    public var tags: [String]
    public var seed: UInt64
    public var matrixLabel: String?
    public var matrixIndex: Int?
    public var network: NetworkDef
    public var steps: [Step]
    public var assertions: [Assertion]
    /// Assertion ids this matrix entry expects to be violated (the misconfiguration lets
    /// the attack through); the case passes only if exactly those fail.
    public var expectViolated: [String]
    /// `mode: live`: always run over real sockets (`run --live` does it for any file).
    public var live = false

    public var displayName: String { matrixLabel.map { "\(name) [\($0)]" } ?? name }
}
