import Crypto
import Identity

/// One HTTP field of a service-based interface message.
public struct HTTPField: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An HTTP/2-like SBI request (TS 29.500): method, path, fields, body. On the trace its bytes
/// start `<METHOD> <path> HTTP/2`, which tells SBI events from SIP ones.
public struct SBARequest: Sendable, Hashable {
    public var method: String
    public var path: String
    public var headers: [HTTPField]
    public var body: String

    public init(method: String, path: String, headers: [HTTPField] = [], body: String = "") {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }

    public var text: String {
        "\(method) \(path) HTTP/2\r\n" + headers.map { "\($0.name): \($0.value)\r\n" }.joined()
            + "content-length: \(body.utf8.count)\r\n\r\n" + body
    }
}

public struct SBAResponse: Sendable, Hashable {
    public var status: Int
    public var headers: [HTTPField]
    public var body: String

    public init(status: Int, headers: [HTTPField] = [], body: String = "") {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }

    public var text: String {
        "HTTP/2 \(status)\r\n" + headers.map { "\($0.name): \($0.value)\r\n" }.joined()
            + "content-length: \(body.utf8.count)\r\n\r\n" + body
    }
}

/// Which access token an NF consumer (or an attacker posing as one) presents (DOMAIN §8 #39–#41).
public enum SBATokenChoice: String, Sendable, Hashable, CaseIterable {
    /// Obtained from the NRF for this producer and service (client credentials grant).
    case valid
    /// No Authorization field.
    case none
    /// A genuine NRF token whose `exp` has passed (captured earlier).
    case expired
    /// A genuine NRF token issued for another NF type (`aud`).
    case otherAudience = "other-audience"
    /// A genuine NRF token whose scope is another service.
    case wrongScope = "wrong-scope"
    /// Claims to come from the NRF (`iss`) but is signed with the attacker's key.
    case forgedSignature = "forged-signature"
    /// Issued and signed by an NRF the producer does not trust.
    case untrustedIssuer = "untrusted-issuer"
    /// The last token the producer accepted, presented again.
    case replayed
}

/// The TLS client certificate the consumer presents on the SBI (TS 33.501 §13.1).
public enum SBAClientCertificate: Sendable, Hashable {
    /// Its own certificate: the NF instance id is the actor name.
    case own
    /// No client certificate.
    case none
    /// A certificate for another NF instance id (stolen or mis-issued).
    case identity(String)
}

/// One SBI service call and what became of it.
public struct SBAExchange: Sendable {
    public var id: String
    public var from: String
    public var to: String
    public var service: String
    public var request: SBARequest
    public var response: SBAResponse?
    /// Set when mTLS failed and no HTTP response came back.
    public var tlsFailure: String?
    /// The producer's token check.
    public var verdict: AccessTokenVerdict?
    /// The response status (nil: no response, e.g. TLS failure).
    public var status: Int? { response?.status }
}

/// Policy switches of SBI producers and the NRF.
enum SBAPolicy {
    static var producerSwitches: [PolicyCatalog.Switch] {
        func b(_ n: String, _ v: Bool, _ h: String) -> PolicyCatalog.Switch { .init(name: n, defaultValue: .bool(v), allowed: [], help: h) }
        return [
            b("require_mtls", true, "refuse SBI connections without a client certificate (TS 33.501 §13.1)"),
            b("require_access_token", true, "OAuth 2.0 is mandatory on the SBI (TS 33.501 §13.4.1); off: requests without a token pass"),
            b("check_signature", true, "access token must be signed by a trusted NRF key (TS 33.501 §13.4.1)"),
            b("check_expiry", true, "refuse access tokens past exp"),
            b("check_audience", true, "aud must name this NF type or instance (free5gc does not check it)"),
            b("check_scope", true, "scope must cover the requested service (403 insufficient_scope)"),
            b("bind_client_identity", true, "token sub must be the NF instance id of the mTLS client"),
            b("reject_replay", true, "refuse a jti already accepted"),
            .init(name: "wrong_audience_status", defaultValue: .int(401), allowed: [], help: "401 or 403 for a token for another NF"),
            .init(name: "service", defaultValue: .string(""), allowed: [], help: "service name (scope) offered; empty: the role's default [U]"),
        ]
    }

    static var nrfSwitches: [PolicyCatalog.Switch] {
        [
            .init(name: "token_lifetime_s", defaultValue: .int(3600), allowed: [], help: "access token lifetime (exp - iat)"),
            .init(name: "include_jti", defaultValue: .bool(true), allowed: [], help: "put a unique jti in every token"),
        ]
    }

    /// Default service (scope) names and paths; TS 29.175/29.176 names, scope strings [U].
    static func defaultService(for role: ActorRole) -> (service: String, path: String, nfType: String)? {
        switch role {
        case .dcsf: ("ndcsf-sessioneventcontrol", "/ndcsf-sessioneventcontrol/v1/notify", "DCSF")
        case .mf: ("nmf-mrm", "/nmf-mrm/v1/media-resources", "MF")
        default: nil
        }
    }
}

/// The SBI side of the simulated network: an NRF issuing ES256 access tokens, producers
/// verifying them with Identity's `AccessTokenVerifier`, events on the virtual clock and trace.
final class ServiceBasedInterface {
    let ctx: NetworkContext
    let spec: NetworkSpec
    let transport: SimulatedTransport
    let policies: [String: Policy]
    private(set) var exchanges: [SBAExchange] = []
    private var verifiers: [String: AccessTokenVerifier] = [:]
    private var lastAccepted: [String: String] = [:]
    private var tokenCount = 0

    init(ctx: NetworkContext, spec: NetworkSpec, transport: SimulatedTransport) {
        self.ctx = ctx
        self.spec = spec
        self.transport = transport
        var p: [String: Policy] = [:]
        for a in spec.actors { p[a.name] = try? PolicyCatalog.resolve(actor: a.name, role: a.role, a.policy) }
        policies = p
    }

    /// Deterministic P-256 key from the run's PKI seed and a label (the NRF's, the attacker's).
    static func key(_ label: String, seed: UInt64) -> P256.Signing.PrivateKey {
        var counter: UInt8 = 0
        while true {
            let digest = SHA256.hash(data: Array("\(label)|\(seed)|\(counter)".utf8))
            if let k = try? P256.Signing.PrivateKey(rawRepresentation: Array(digest)) { return k }
            counter &+= 1
        }
    }

    var pkiSeed: UInt64 { if case .generated(let s) = spec.pki { return s }; return 0 }
    var nrfNames: [String] { spec.actors.filter { $0.role == .nrf }.map(\.name) }
    func nrfKey(_ name: String) -> P256.Signing.PrivateKey { Self.key("nrf:\(name)", seed: pkiSeed) }
    var rogueKey: P256.Signing.PrivateKey { Self.key("rogue-nrf", seed: pkiSeed) }

    func role(_ actor: String) -> ActorRole? { ctx.roles[actor] }

    func service(of producer: String) -> (service: String, path: String, nfType: String)? {
        guard let r = role(producer), var d = SBAPolicy.defaultService(for: r) else { return nil }
        if let s = policies[producer]?.string("service"), !s.isEmpty { d.service = s; d.path = "/\(s)/v1/request" }
        return d
    }

    private func verifier(for producer: String) -> AccessTokenVerifier {
        if let v = verifiers[producer] { return v }
        let p = policies[producer] ?? Policy(values: [:])
        var issuers: [String: P256.Signing.PublicKey] = [:]
        for n in nrfNames { issuers[n] = nrfKey(n).publicKey }
        let policy = AccessTokenPolicy(checkSignature: p.bool("check_signature"), checkAudience: p.bool("check_audience"),
                                       checkScope: p.bool("check_scope"), checkExpiry: p.bool("check_expiry"),
                                       bindSubjectToClient: p.bool("bind_client_identity"), rejectReplay: p.bool("reject_replay"),
                                       wrongAudienceStatus: p.int("wrong_audience_status"))
        return AccessTokenVerifier(trustedIssuers: issuers, audiences: [service(of: producer)?.nfType ?? "", producer], policy: policy)
    }

    /// Mints a token as NRF `nrf` would (or as a rogue one), recording nothing.
    func mint(nrf: String, sub: String, aud: String, scope: String, iat: Int64, lifetime: Int64, key: P256.Signing.PrivateKey,
              iss: String? = nil) -> String {
        tokenCount += 1
        let jti = (policies[nrf]?.bool("include_jti") ?? true) ? "\(nrf)-\(tokenCount)-\(ctx.random.hex(8))" : nil
        let claims = AccessTokenClaims(iss: iss ?? nrf, sub: sub, aud: [aud], scope: [scope], exp: iat + lifetime, iat: iat, jti: jti)
        return (try? AccessToken.sign(claims, key: key, kid: iss ?? nrf)) ?? ""
    }

    private func latency(_ a: String, _ b: String) -> Int64 { Int64(transport.link(a, b)?.spec.latencyMs ?? 1) }

    private func record(_ kind: TraceEvent.Kind, _ from: String, _ to: String, _ text: String, _ note: String) {
        ctx.trace.record(ctx.scheduler.nowMs, kind, from: from, to: to, link: transport.link(from, to)?.name ?? "\(from)<->\(to)",
                         transport: .tls, bytes: Array(text.utf8), note: "HTTP2 " + note)
    }

    private func note(_ actor: String, _ text: String) {
        ctx.trace.record(ctx.scheduler.nowMs, .rule, from: actor, to: actor, note: "\(actor) \(text)")
    }

    /// Starts a service call; run the clock to complete it. Returns the exchange id.
    func call(from consumer: String, to producer: String, token choice: SBATokenChoice, certificate: SBAClientCertificate,
              service requested: String?) throws(NetworkError) -> String {
        guard ctx.roles[consumer] != nil else { throw .unknownActor(consumer) }
        guard ctx.roles[producer] != nil else { throw .unknownActor(producer) }
        guard let svc = service(of: producer) else { throw .invalidMessage("'\(producer)' is not an SBI producer (dcsf or mf)") }
        guard transport.link(consumer, producer) != nil else { throw .noLink(from: consumer, to: producer) }
        let nrf = nrfNames.first
        let id = "sba-\(exchanges.count + 1)"
        let service = requested ?? svc.service
        let request = SBARequest(method: "POST", path: svc.path, headers: [HTTPField("content-type", "application/json")],
                                 body: "{\"event\":\"SESSION_ESTABLISHMENT\"}")
        exchanges.append(SBAExchange(id: id, from: consumer, to: producer, service: service, request: request))
        let index = exchanges.count - 1
        let now = ctx.unixNow
        let lifetime = Int64(nrf.flatMap { policies[$0]?.int("token_lifetime_s") } ?? 3600)

        func send(_ token: String?) { self.sendService(index, token: token, certificate: certificate) }
        switch choice {
        case .none: send(nil)
        case .replayed:
            guard let captured = lastAccepted[producer] else { throw .invalidMessage("no token accepted by '\(producer)' yet to replay") }
            send(captured)
        case .forgedSignature, .untrustedIssuer:
            let iss = choice == .forgedSignature ? (nrf ?? "nrf") : "rogue-nrf"
            send(mint(nrf: "rogue-nrf", sub: consumer, aud: svc.nfType, scope: service, iat: now, lifetime: lifetime, key: rogueKey, iss: iss))
        case .expired:
            guard let nrf else { throw .invalidMessage("no NRF in the network to have issued a token") }
            send(mint(nrf: nrf, sub: consumer, aud: svc.nfType, scope: service, iat: now - lifetime - 60, lifetime: lifetime, key: nrfKey(nrf)))
        case .valid, .otherAudience, .wrongScope:
            guard let nrf else { throw .invalidMessage("no NRF in the network to issue a token") }
            let aud = choice == .otherAudience ? (svc.nfType == "MF" ? "DCSF" : "MF") : svc.nfType
            let scope = choice == .wrongScope ? (svc.service == "nmf-mrm" ? "ndcsf-sessioneventcontrol" : "nmf-mrm") : service
            guard transport.link(consumer, nrf) != nil else { throw .noLink(from: consumer, to: nrf) }
            // Client credentials grant (TS 29.510 §6.3): form-urlencoded, no Authorization.
            let form = "grant_type=client_credentials&nfInstanceId=\(consumer)&nfType=\(consumerType(consumer))&targetNfType=\(aud)&scope=\(scope)"
            let tokenRequest = SBARequest(method: "POST", path: "/oauth2/token",
                                          headers: [HTTPField("content-type", "application/x-www-form-urlencoded")], body: form)
            record(.sent, consumer, nrf, tokenRequest.text, "\(id) access token request")
            let lat = latency(consumer, nrf)
            ctx.scheduler.schedule(afterMs: lat) { [self] in
                record(.delivered, consumer, nrf, tokenRequest.text, "\(id) access token request")
                let token = mint(nrf: nrf, sub: consumer, aud: aud, scope: scope, iat: ctx.unixNow, lifetime: lifetime, key: nrfKey(nrf))
                note(nrf, "AccessTokenIssuer: token for \(consumer) aud \(aud) scope \(scope)")
                let body = "{\"access_token\":\"\(token)\",\"token_type\":\"Bearer\",\"expires_in\":\(lifetime),\"scope\":\"\(scope)\"}"
                let response = SBAResponse(status: 200, headers: [HTTPField("content-type", "application/json")], body: body)
                record(.sent, nrf, consumer, response.text, "\(id) access token response")
                ctx.scheduler.schedule(afterMs: lat) { [self] in
                    record(.delivered, nrf, consumer, response.text, "\(id) access token response")
                    send(token)
                }
            }
        }
        return id
    }

    private func consumerType(_ actor: String) -> String {
        switch role(actor) {
        case .tas, .stiAS, .stiVS, .enterprise: "IMSAS"
        case .dcsf: "DCSF"
        case .mf: "MF"
        default: "UNKNOWN"
        }
    }

    private func sendService(_ index: Int, token: String?, certificate: SBAClientCertificate) {
        var ex = exchanges[index]
        if let token { ex.request.headers.append(HTTPField("authorization", "Bearer \(token)")) }
        exchanges[index] = ex
        let (consumer, producer) = (ex.from, ex.to)
        let clientID: String? = switch certificate {
        case .own: consumer
        case .none: nil
        case .identity(let s): s
        }
        record(.sent, consumer, producer, ex.request.text, "\(ex.id) \(ex.service) request"
            + (clientID.map { " (TLS client \($0))" } ?? " (no TLS client certificate)"))
        let lat = latency(consumer, producer)
        ctx.scheduler.schedule(afterMs: lat) { [self] in
            let p = policies[producer] ?? Policy(values: [:])
            if clientID == nil, p.bool("require_mtls") {
                exchanges[index].tlsFailure = "TLS handshake failure: no client certificate"
                record(.dropped, consumer, producer, exchanges[index].request.text, "\(exchanges[index].id) TLS handshake failure: no client certificate")
                return
            }
            record(.delivered, consumer, producer, exchanges[index].request.text, "\(exchanges[index].id) \(exchanges[index].service) request")
            var v = verifier(for: producer)
            let authorization = exchanges[index].request.header("authorization")
            let verdict = authorization == nil && !p.bool("require_access_token")
                ? AccessTokenVerdict(outcome: .accepted, status: 200, error: nil, reason: "no token, and none required (require_access_token off)", claims: nil)
                : v.verify(authorization: authorization, service: exchanges[index].service, tlsClientIdentity: clientID, now: ctx.unixNow)
            verifiers[producer] = v
            exchanges[index].verdict = verdict
            note(producer, "AccessTokenCheck: \(verdict)")
            var response: SBAResponse
            if verdict.accepted {
                if let auth = exchanges[index].request.header("authorization") { lastAccepted[producer] = AccessTokenVerifier.bearerToken(auth) }
                response = SBAResponse(status: 204)
            } else {
                response = SBAResponse(status: verdict.status, headers: [HTTPField("content-type", "application/problem+json")],
                                       body: "{\"status\":\(verdict.status),\"cause\":\"\(verdict.error ?? "")\"}")
                if let w = verdict.wwwAuthenticate { response.headers.insert(HTTPField("www-authenticate", w), at: 0) }
            }
            let id = exchanges[index].id
            record(.sent, producer, consumer, response.text, "\(id) response \(response.status)")
            ctx.scheduler.schedule(afterMs: lat) { [self] in
                exchanges[index].response = response
                record(.delivered, producer, consumer, response.text, "\(id) response \(response.status)")
            }
        }
    }
}

extension SimulatedNetwork {
    /// An SBI service call from `consumer` to a DCSF or MF producer. `token` says which access
    /// token is presented and `certificate` which mTLS client identity; run the clock to finish.
    @discardableResult
    public func sbaRequest(from consumer: String, to producer: String, token: SBATokenChoice = .valid,
                           certificate: SBAClientCertificate = .own, service: String? = nil) throws(NetworkError) -> String {
        try sbi.call(from: consumer, to: producer, token: token, certificate: certificate, service: service)
    }

    public func sbaExchange(_ id: String) -> SBAExchange? { sbi.exchanges.first { $0.id == id } }
    public var sbaExchanges: [SBAExchange] { sbi.exchanges }
}

extension TraceEvent {
    /// True for SBI (HTTP/2) events; their bytes are not SIP.
    public var isHTTP2: Bool { note.hasPrefix("HTTP2 ") }
}
