import SIPCore

/// What the registrar holds for one subscriber.
struct Registration {
    var subscriber: String
    var contact: String
    var path: [String]
    var impus: [String]
    var expiresAtMs: Int64
}

/// Where an initial request stands in the S-CSCF's filter criteria (restored from `odi`).
struct IFCState {
    var sessionCase: SessionCase
    var index: Int
}

/// S-CSCF (TS 24.229 §5.4): registrar with digest authentication against the inline HSS,
/// implicit registration set, Service-Route, iFC towards ASs, routing to the terminating side.
final class SCSCF: ProxyElement {
    var registrations: [String: Registration] = [:]   // subscriber name -> binding
    var byIdentity: [String: String] = [:]            // identity key -> subscriber name
    /// Issued digest nonces with their last nc; bounded by `nonce_lifetime_s` and `nonce_table_size`.
    /// A plain stored property: through a `lazy var` every mutation copied the table.
    var nonces: NonceTable
    var akaSQN: [String: UInt64] = [:]                // subscriber name -> last SQN the HSS issued
    /// Subscriber name -> the digest hashes of its last answer that do not depend on the nonce.
    var digestMemos: [String: DigestMemo] = [:]
    var odi: [String: IFCState] = [:]

    override init(spec: ActorSpec, policy: Policy, ctx: NetworkContext, transport: Transport) {
        nonces = NonceTable(lifetimeMs: Int64(policy.int("nonce_lifetime_s")) * 1000, capacity: policy.int("nonce_table_size"))
        super.init(spec: spec, policy: policy, ctx: ctx, transport: transport)
    }

    override func makeRules() -> [any ProxyRule] {
        rules(policy, [
            (nil, Registrar()),
            ("strip_untrusted_pai", StripUntrustedAssertedIdentity()),
            (nil, AddTelAssertedIdentity()),
            (nil, SCSCFRouting()),
            ("apply_privacy", ApplyPrivacyAtExit()),
        ])
    }

    /// Registrar switches, read once (policies are fixed for a run).
    private(set) lazy var authenticates = policy.bool("authenticate")
    private(set) lazy var checksNonceReplay = policy.bool("check_nonce_replay")
    private(set) lazy var digestAlgorithm = policy.string("digest_algorithm")
    private(set) lazy var registerExpires = policy.int("register_expires")

    /// Service-Route value of this S-CSCF (its host is fixed for a run).
    private(set) lazy var serviceRouteValue = "<sip:\(ctx.host(of: name));lr;orig>"

    /// AS names for a session case: the policy list, or "auto" = linked ASs in a fixed order.
    /// Worked out once per case: the policy and the links are fixed for a run.
    func filterCriteria(_ c: SessionCase) -> [String] { c == .originating ? ifcOriginating : ifcTerminating }

    private lazy var ifcOriginating = makeFilterCriteria(.originating)
    private lazy var ifcTerminating = makeFilterCriteria(.terminating)

    /// `<sip:host;lr>` of each AS of `filterCriteria(c)`, at the same index: the Route entry
    /// towards it, made once (hosts are fixed for a run).
    func filterRoutes(_ c: SessionCase) -> [String] { c == .originating ? ifcOriginatingRoutes : ifcTerminatingRoutes }

    private lazy var ifcOriginatingRoutes = ifcOriginating.map(ctx.looseRoute(to:))
    private lazy var ifcTerminatingRoutes = ifcTerminating.map(ctx.looseRoute(to:))

    /// `<sip:host;lr;odi=` of this S-CSCF's own Route entry, before the token (made once).
    private(set) lazy var odiRoutePrefix = ValueBytes("<sip:\(ctx.host(of: name));lr;odi=").string

    private func makeFilterCriteria(_ c: SessionCase) -> [String] {
        let key = c == .originating ? "ifc_orig" : "ifc_term"
        let text = policy.string(key)
        if text != "auto" {
            return text.split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
        }
        let order: [ActorRole] = c == .originating ? [.tas, .enterprise, .stiAS] : [.stiVS, .tas]
        return order.flatMap { ctx.peers(of: name, role: $0) }
    }

    func registration(for identity: String) -> Registration? {
        guard let sub = byIdentity[ctx.identityKey(identity)], let r = registrations[sub], r.expiresAtMs > nowMs else { return nil }
        return r
    }
}

/// REGISTER: 401 with digest challenges, then 200 (P-Associated-URI, Service-Route, Path) or 403.
struct Registrar: ProxyRule {
    let name = "Registrar"

    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard x.method == "REGISTER", let s = e as? SCSCF else { return }
        let req = x.request
        guard let toURI = req.value(.to).flatMap(Addressing.uriText(ofAddress:)),
              let sub = s.ctx.subscriber(owning: toURI) else {
            x.reject(404, "Not Found")
            e.note(name, "REGISTER for an unknown IMPU: 404")
            return
        }
        let realm = s.domain
        let creds = req.credentials()
        guard s.authenticates else { return accept(&x, s, sub) }
        if let aka = sub.aka { return registerAKA(&x, s, sub, aka, creds) }
        guard let (answered, nonce) = Self.firstIssued(creds, s.nonces) else {
            x.reject(401, "Unauthorized", extra: challenges(s, realm: realm))
            e.note(name, "challenged \(sub.name) (\(s.digestAlgorithm))")
            return
        }
        let c = DigestAnswer(answered)
        let alg: Digest.Algorithm
        switch s.nonces.check(nonce, nc: c.nc, nowMs: s.nowMs, checkReplay: s.checksNonceReplay) {
        case .fresh(let a): alg = a
        case .unknown:
            x.reject(401, "Unauthorized", extra: challenges(s, realm: realm))
            e.note(name, "nonce of \(sub.name) expired or evicted: challenged again")
            return
        case .replayed(let last):
            // RFC 7616 §5.4: the same nonce + nc again is a replay; a fresh nonce, never a 200.
            x.reject(401, "Unauthorized", extra: challenges(s, realm: realm))
            e.note(name, "nonce reused with nc \(c.nc ?? "(none)") not above \(String(last, radix: 16)): replay refused, new nonce")
            return
        }
        let sameAlgorithm = (c.algorithm.flatMap(Digest.Algorithm.init(name:)) ?? .md5) == alg
        let expected = s.digestMemos[sub.name, default: DigestMemo()].response(
            alg, user: sub.name, realm: realm, password: Array(sub.password.utf8), method: "REGISTER", uri: c.uri ?? "",
            nonce: nonce, nc: c.nc ?? "", cnonce: c.cnonce ?? "", qop: c.qop ?? "auth")
        settle(&x, s, sub, c, nonce: nonce, expected: expected, valid: sameAlgorithm,
               wrong: "digest response of \(c.username ?? "?") is wrong: 403", verified: "digest \(alg.rawValue) response of \(sub.name) verified")
    }

    /// The first credentials with a nonce issued here, and that nonce.
    static func firstIssued(_ creds: [Credentials], _ nonces: NonceTable) -> (Credentials, String)? {
        for c in creds {
            if let nonce = c.nonce, nonces.entries[nonce] != nil { return (c, nonce) }
        }
        return nil
    }

    /// Settles a digest answer against the `expected` response (over the password, or AKA's
    /// XRES): a right one registers and uses up this nc; a wrong one burns the nonce (no
    /// guessing against one challenge) and gets 403.
    func settle(_ x: inout ProxyExchange, _ s: SCSCF, _ sub: SubscriberSpec, _ c: DigestAnswer, nonce: String,
                expected: String, valid: Bool = true,
                wrong: @autoclosure () -> String, verified: @autoclosure () -> String) {
        guard valid, c.username == sub.name, Digest.responseMatches(c.response, expected: expected) else {
            s.nonces.drop(nonce)
            x.reject(403, "Forbidden")
            s.note(name, wrong())
            return
        }
        s.nonces.accept(nonce, nc: c.nc)
        s.note(name, verified())
        accept(&x, s, sub)
    }

    private func challenges(_ s: SCSCF, realm: String) -> [(String, String)] {
        let algs: [Digest.Algorithm]
        switch s.digestAlgorithm {
        case "SHA-256": algs = [.sha256]
        case "MD5": algs = [.md5]
        default: algs = [.sha256, .md5]
        }
        return algs.map { a in
            let n = s.ctx.nonce()
            s.nonces.issue(n, algorithm: a, nowMs: s.nowMs)
            let value: ValueBytes = "Digest realm=\"\(realm)\", nonce=\"\(n)\", algorithm=\(a.rawValue), qop=\"auth\""
            return ("WWW-Authenticate", value.string)
        }
    }

    func accept(_ x: inout ProxyExchange, _ s: SCSCF, _ sub: SubscriberSpec) {
        let req = x.request
        let contact = Addressing.firstContactURI(req) ?? ""
        let expires = req.expiresValue.map { Int($0.value) } ?? s.registerExpires
        let granted = min(expires, s.registerExpires)
        let barred = Set(sub.barred.map(s.ctx.identityKey))
        // Each IMPU's identity key once (it parses the URI): for the barred filter and both tables.
        let keys = sub.impus.map(s.ctx.identityKey)
        // With nothing barred (the usual subscription) every IMPU is kept as it is.
        let impus = barred.isEmpty ? sub.impus : zip(sub.impus, keys).filter { !barred.contains($0.1) }.map(\.0)
        let path = req.listValues("Path")
        if granted == 0 {
            s.registrations[sub.name] = nil
        } else {
            s.registrations[sub.name] = Registration(subscriber: sub.name, contact: contact, path: path,
                                                     impus: impus, expiresAtMs: s.nowMs + Int64(granted) * 1000)
            for k in keys { s.byIdentity[k] = sub.name; s.ctx.servingSCSCF[k] = s.name }
            if let tn = sub.tn { s.byIdentity["tn:" + tn] = sub.name; s.ctx.servingSCSCF["tn:" + tn] = s.name }
        }
        x.response = MessageText.response(to: req, status: 200, reason: "OK", toTag: s.ctx.tag()) { t in
            for p in path { t.add(.path, p) }
            t.add(.serviceRoute, s.serviceRouteValue)
            t.add(.pAssociatedURI, joining: impus, bracketed: true)
            if !contact.isEmpty { t.add(.contact, bytes: "<\(contact)>;expires=\(granted)") }
            t.add(.expires, bytes: "\(granted)")
        }
        s.note(name, "registered \(sub.name): \(impus.joined(separator: ", ")) at \(contact)")
    }
}

/// TS 24.229 §5.4.3.2: on the originating side the S-CSCF adds the tel URI of the served
/// user to a PAI that carries only a SIP URI (RFC 3325: one sip + one tel).
struct AddTelAssertedIdentity: ProxyRule {
    let name = "AddTelAssertedIdentity"
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard x.method == "INVITE", x.isInitial, x.ownRouteParameters.contains("orig") else { return }
        let pai = x.request.listValues("P-Asserted-Identity")
        // The value parsed once: its URI is both checked for a TN and looked up as text.
        guard pai.count == 1, let asserted = try? AddressValue(parsing: pai[0]), Addressing.tn(of: asserted.uri) == nil,
              let sub = e.ctx.subscriber(owning: asserted.uri.description) else { return }
        let tel = sub.impus.first { $0.hasPrefix("tel:") } ?? sub.tn.map { "tel:+" + $0 }
        guard let tel else { return }
        x.request.addHeader("P-Asserted-Identity", "<\(tel)>")
        x.changes.append("\(name) added <\(tel)>")
    }
}

/// Session case, iFC to ASs (Route: AS, then back here with `odi`), then routing to the
/// terminating user (registered contact via Path) or out of the network.
struct SCSCFRouting: ProxyRule {
    let name = "Routing"

    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard let s = e as? SCSCF, x.method != "REGISTER", x.method != "ACK", x.isInitial else { return }
        var state: IFCState
        if let token = x.ownRouteParameters["odi"], let saved = s.odi.removeValue(forKey: token) {
            state = saved
        } else if x.ownRouteParameters.contains("orig") {
            state = IFCState(sessionCase: .originating, index: 0)
        } else {
            state = IFCState(sessionCase: .terminating, index: 0)
        }
        while true {
            x.sessionCase = state.sessionCase
            let ifc = s.filterCriteria(state.sessionCase)
            if state.index < ifc.count {
                let appServer = ifc[state.index]
                // The entry back here is written with its token in one String; the token is
                // its 8 digits.
                let back = s.ctx.random.hex(8, after: s.odiRoutePrefix, before: ">")
                let token = String(Substring(back.utf8.dropFirst(s.odiRoutePrefix.utf8.count).dropLast()))
                s.odi[token] = IFCState(sessionCase: state.sessionCase, index: state.index + 1)
                x.request.prependRoutes([s.filterRoutes(state.sessionCase)[state.index], back])
                x.nextHop = appServer
                x.changes.append("iFC (\(state.sessionCase.rawValue)) -> \(appServer)")
                e.note(name, "\(state.sessionCase.rawValue) iFC \(state.index + 1): \(appServer)")
                return
            }
            if state.sessionCase == .terminating { break }
            // Originating done: terminating handling here when the callee is registered here.
            guard let target = x.request.requestURIText else { return }
            if s.registration(for: target) != nil {
                state = IFCState(sessionCase: .terminating, index: 0)
                continue
            }
            routeOut(&x, s, target: target)
            return
        }
        guard let target = x.request.requestURIText else { return }
        guard let reg = s.registration(for: target) else {
            if s.ctx.subscriber(owning: target) != nil {
                x.reject(480, "Temporarily Unavailable")
                e.note(name, "\(target) is not registered: 480")
            } else {
                x.reject(404, "Not Found")
                e.note(name, "\(target) is not a subscriber here: 404")
            }
            return
        }
        x.request.setRequestLine(uri: reg.contact)
        if !reg.path.isEmpty { x.request.prependRoutes(reg.path) }
        x.changes.append("terminating: Request-URI -> \(reg.contact)")
    }

    /// Another S-CSCF serves the callee, or the request leaves through an I-CSCF / IBCF.
    private func routeOut(_ x: inout ProxyExchange, _ s: SCSCF, target: String) {
        if let other = s.ctx.servingSCSCF[s.ctx.identityKey(target)], other != s.name,
           s.ctx.peers(of: s.name, role: .scscf).contains(other) {
            x.nextHop = other
            return
        }
        if let exit = s.ctx.peers(of: s.name, role: .ibcf).first ?? s.ctx.peers(of: s.name, role: .icscf).first {
            x.nextHop = exit
            return
        }
        if s.ctx.subscriber(owning: target) != nil {
            x.reject(480, "Temporarily Unavailable")
        } else {
            x.reject(404, "Not Found")
        }
        s.note(name, "no route to \(target)")
    }
}

extension SIPMessage {
    /// `setHeader("Route", values: routes + listValues("Route"))`: one field per value, ahead of
    /// the route set left. With no Route field left (the usual case: this element's own entry
    /// was popped) the fields are appended, which is what setting them does then.
    mutating func prependRoutes(_ routes: [String]) {
        guard contains(.route) else {
            for r in routes { addHeader("Route", r) }
            return
        }
        setHeader("Route", values: routes + listValues("Route"))
    }
}
