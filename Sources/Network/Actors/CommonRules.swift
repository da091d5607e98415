import SIPCore

/// RFC 3325 §5: a PAI from outside the trust domain is removed (all values).
struct StripUntrustedAssertedIdentity: ProxyRule {
    let name = "StripUntrustedAssertedIdentity"
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard x.request.contains(.pAssertedIdentity), !e.ctx.trusts(e.name, x.peer) else { return }
        if e.role == .pcscf, e.policy.bool("trusts_ue_asserted_identity") { return }
        let values = x.request.values(.pAssertedIdentity).joined(separator: ", ")
        x.request.removeHeader("P-Asserted-Identity")
        x.changes.append("\(name) removed P-Asserted-Identity \(values) from untrusted \(x.peer)")
        e.note(name, "removed P-Asserted-Identity \(values) received from untrusted \(x.peer)")
    }
}

/// RFC 3325 §7: with `Privacy: id`, PAI is removed before the request leaves the trust domain.
/// The P-CSCF's hop to its UE is handled by its own `PrivacyTowardsUE`.
struct ApplyPrivacyAtExit: ProxyRule {
    let name = "ApplyPrivacyAtExit"
    func onEgress(_ x: inout ProxyExchange, _ e: ProxyElement, next: String) {
        // The request's own conditions first: they are cheaper than the trust lookup, and
        // most requests (no PAI, or no Privacy: id) stop there.
        guard x.request.contains(.pAssertedIdentity), x.request.privacy?.isID == true,
              e.ctx.roles[next] != .ue, !e.ctx.trusts(e.name, next) else { return }
        x.request.removeHeader("P-Asserted-Identity")
        x.changes.append("\(name) removed P-Asserted-Identity (Privacy: id) towards untrusted \(next)")
        e.note(name, "Privacy: id, next hop \(next) outside the trust domain: P-Asserted-Identity removed")
    }
}

/// Applications servers and other plain proxies route by the Route header only.
final class PlainProxy: ProxyElement {
    override func makeRules() -> [any ProxyRule] { [] }
}
