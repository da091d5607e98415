import SIPCore

/// What a P-CSCF keeps per registered UE (learned from the 200 to REGISTER).
struct PCSCFBinding {
    var impus: [String]
    var serviceRoute: [String]
    var defaultIMPU: String? { impus.first }
}

/// P-CSCF (TS 24.229 §5.2): the UE's first hop and the edge of the trust domain.
final class PCSCF: ProxyElement {
    var bindings: [String: PCSCFBinding] = [:]

    override func makeRules() -> [any ProxyRule] {
        rules(policy, [
            (nil, SecurityAgreement()),
            (nil, PCSCFRegisterPath()),
            ("strip_aka_keys", StripAKAKeys()),
            ("require_registration", RejectUnregistered()),
            ("strip_untrusted_pai", StripUntrustedAssertedIdentity()),
            ("assert_identity", AssertIdentityFromPreferred()),
            ("remove_ppi", RemovePreferredIdentity()),
            ("charging_vector", InsertChargingVector()),
            ("privacy_to_ue", PrivacyTowardsUE()),
            ("apply_privacy", ApplyPrivacyAtExit()),
        ])
    }

    func isFromUE(_ x: ProxyExchange) -> Bool { ctx.roles[x.peer] == .ue }

    /// Where REGISTER goes, and the Path entry added to it: found once (the links and hosts
    /// are fixed for a run).
    private(set) lazy var registrar: String? = ctx.peers(of: name, role: .icscf).first ?? ctx.peers(of: name, role: .scscf).first
    private(set) lazy var pathValue = ctx.looseRoute(to: name)

    /// What follows the icid in P-Charging-Vector: this element's address and domain, fixed for
    /// a run (like the Via prefixes).
    lazy var chargingVectorTail = ";icid-generated-at=\(transport.address(of: name)?.host ?? name);orig-ioi=\(domain)"
}

/// REGISTER from a UE: add Path and send it to the registrar; learn the binding from the 200.
struct PCSCFRegisterPath: ProxyRule {
    let name = "RegisterPath"
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard x.method == "REGISTER", let p = e as? PCSCF, p.isFromUE(x) else { return }
        x.request.prependHeader("Path", p.pathValue)
        x.nextHop = p.registrar
        x.changes.append("\(name) added Path")
    }

    func onResponse(_ response: inout SIPMessage, request: ProxyExchange, _ e: ProxyElement) {
        guard request.method == "REGISTER", response.statusCode == 200, let p = e as? PCSCF else { return }
        let impus = Addressing.associatedURIs(response)
        let sr = response.listValues("Service-Route")
        p.bindings[request.peer] = PCSCFBinding(impus: impus, serviceRoute: sr)
        e.note(name, "\(request.peer) registered: \(impus.joined(separator: ", "))")
    }
}

/// TS 24.229 §5.2.6.3: requests from a UE that is not registered are refused.
struct RejectUnregistered: ProxyRule {
    let name = "RejectUnregistered"
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard x.method != "REGISTER", x.method != "ACK", let p = e as? PCSCF, p.isFromUE(x),
              p.bindings[x.peer] == nil else { return }
        x.reject(403, "Forbidden")
        e.note(name, "\(x.peer) is not registered: 403")
    }
}

/// PPI that matches a registered IMPU becomes PAI, else the default IMPU (RFC 3325 §6,
/// TS 24.229 §5.2.6.3). Only for requests from the UE that carry no (kept) PAI.
struct AssertIdentityFromPreferred: ProxyRule {
    let name = "AssertIdentityFromPreferred"
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard let p = e as? PCSCF, p.isFromUE(x), x.method != "REGISTER", x.method != "ACK", x.isInitial,
              !x.request.contains(.pAssertedIdentity), let binding = p.bindings[x.peer] else { return }
        var chosen: String?
        let preferred = x.request.listValues("P-Preferred-Identity")
        // Identity keys parse each URI: only worth it when there is a PPI to compare.
        let registered = preferred.isEmpty ? [] : Set(binding.impus.map(e.ctx.identityKey))
        for ppi in preferred {
            if let uri = Addressing.uriText(ofAddress: ppi), registered.contains(e.ctx.identityKey(uri)) {
                chosen = uri
                e.note(name, "P-Preferred-Identity \(uri) matches a registered IMPU: asserted")
                break
            }
            e.note(name, "P-Preferred-Identity \(ppi) matches no registered IMPU: ignored")
        }
        if chosen == nil {
            chosen = binding.defaultIMPU
            if let c = chosen { e.note(name, "asserted the default IMPU \(c)") }
        }
        guard let c = chosen else { return }
        x.request.addHeader("P-Asserted-Identity", "<\(c)>")
        x.changes.append("\(name) asserted <\(c)>")
    }
}

/// RFC 3325 §6: P-Preferred-Identity never leaves the P-CSCF.
struct RemovePreferredIdentity: ProxyRule {
    let name = "RemovePreferredIdentity"
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        // Found by kind first: removing by name looks the name up on every request.
        guard x.request.contains(.pPreferredIdentity) else { return }
        if x.request.removeHeader("P-Preferred-Identity") > 0 { x.changes.append("\(name) removed P-Preferred-Identity") }
    }
}

/// RFC 7315: the originating P-CSCF creates the charging vector; one from the UE is replaced.
struct InsertChargingVector: ProxyRule {
    let name = "InsertChargingVector"
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard let p = e as? PCSCF, p.isFromUE(x), x.method != "ACK" else { return }
        let vector = e.ctx.random.hex(16, after: "icid-value=", before: p.chargingVectorTail)
        if x.request.contains(.pChargingVector) {
            e.note(name, "replaced a P-Charging-Vector sent by the UE")
            x.request.setHeader("P-Charging-Vector", vector)
        } else {
            // Nothing to replace: appended, as setting it would (without looking for fields to remove).
            x.request.addHeader("P-Charging-Vector", vector)
        }
        x.changes.append("\(name) set P-Charging-Vector")
    }
}

/// Terminating P-CSCF: `Privacy: id` means the UE must not see PAI (RFC 3325 §7).
struct PrivacyTowardsUE: ProxyRule {
    let name = "PrivacyTowardsUE"
    func onEgress(_ x: inout ProxyExchange, _ e: ProxyElement, next: String) {
        guard x.request.contains(.pAssertedIdentity), x.request.privacy?.isID == true, e.ctx.roles[next] == .ue else { return }
        x.request.removeHeader("P-Asserted-Identity")
        x.changes.append("\(name) removed P-Asserted-Identity (Privacy: id)")
        e.note(name, "Privacy: id: P-Asserted-Identity removed towards \(next)")
    }
}
