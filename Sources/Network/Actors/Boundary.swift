import Identity
import SIPCore

/// I-CSCF (TS 24.229 §5.3): entry point of a home network; refuses REGISTER from outside the
/// trust domain and sends requests to the S-CSCF serving the user.
final class ICSCF: ProxyElement {
    override func makeRules() -> [any ProxyRule] {
        rules(policy, [
            ("reject_untrusted_register", RejectUntrustedRegister()),
            ("strip_untrusted_pai", StripUntrustedAssertedIdentity()),
            (nil, RouteToServingSCSCF()),
            ("apply_privacy", ApplyPrivacyAtExit()),
        ])
    }
}

struct RejectUntrustedRegister: ProxyRule {
    let name = "RejectUntrustedRegister"
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard x.method == "REGISTER", !e.ctx.trusts(e.name, x.peer) else { return }
        x.reject(403, "Forbidden")
        e.note(name, "REGISTER from untrusted \(x.peer): 403")
    }
}

/// The HSS's S-CSCF assignment, else the first linked S-CSCF.
struct RouteToServingSCSCF: ProxyRule {
    let name = "RouteToServingSCSCF"
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard x.isInitial || x.method == "REGISTER", x.request.listValues("Route").isEmpty else { return }
        let scscfs = e.ctx.peers(of: e.name, role: .scscf)
        let key: String? = x.method == "REGISTER"
            ? x.request.value(.to).flatMap(Addressing.uriText(ofAddress:)).map(e.ctx.identityKey)
            : x.request.requestURIText.map(e.ctx.identityKey)
        if let key, let serving = e.ctx.servingSCSCF[key], scscfs.contains(serving) {
            x.nextHop = serving
        } else {
            x.nextHop = scscfs.first
        }
    }
}

/// IBCF (TS 24.229 §5.10): border between networks. Entry from an untrusted peer strips PAI,
/// upstream verstat and (by policy) Identity; exit applies Privacy.
final class IBCF: ProxyElement {
    override func makeRules() -> [any ProxyRule] {
        rules(policy, [
            ("strip_untrusted_pai", StripUntrustedAssertedIdentity()),
            ("strip_verstat_from_untrusted", StripUntrustedVerstat()),
            ("strip_identity_from_untrusted", StripUntrustedIdentity()),
            (nil, BoundaryRouting()),
            ("apply_privacy", ApplyPrivacyAtExit()),
        ])
    }
}

struct StripUntrustedVerstat: ProxyRule {
    let name = "StripUntrustedVerstat"
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard !e.ctx.trusts(e.name, x.peer), x.method == "INVITE" else { return }
        let before = x.request.bytes
        VerstatMarking.strip(&x.request)
        if x.request.bytes != before { x.changes.append("\(name) removed verstat from untrusted \(x.peer)") }
    }
}

struct StripUntrustedIdentity: ProxyRule {
    let name = "StripUntrustedIdentity"
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard !e.ctx.trusts(e.name, x.peer) else { return }
        if x.request.removeHeader("Identity") > 0 { x.changes.append("\(name) removed Identity from untrusted \(x.peer)") }
    }
}

/// Inbound (from outside the trust domain): to the linked I-CSCF or S-CSCF inside. Outbound:
/// to the first linked peer outside the trust domain.
struct BoundaryRouting: ProxyRule {
    let name = "BoundaryRouting"
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard x.isInitial, x.request.listValues("Route").isEmpty else { return }
        let peers = e.ctx.linkedPeers[e.name] ?? []
        if e.ctx.trusts(e.name, x.peer) {
            x.nextHop = peers.first { $0 != x.peer && !e.ctx.trusts(e.name, $0) }
        } else {
            x.nextHop = peers.first { $0 != x.peer && e.ctx.trusts(e.name, $0) && (e.ctx.roles[$0] == .icscf || e.ctx.roles[$0] == .scscf) }
        }
    }
}
