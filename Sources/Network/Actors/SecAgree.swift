import Foundation
import SIPCore

/// Security mechanism agreement (RFC 3329, TS 33.203 Annex H) between the UE and its P-CSCF.
/// The IPsec associations themselves are not simulated; the headers and their checks are.
enum SecAgree {
    static let tag = "sec-agree"

    /// The UE's offer (RFC 3329 §2.3.1, 3GPP example values).
    static let client = "ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=1111;spi-s=2222;port-c=5062;port-s=5064"

    /// The P-CSCF's static list, strongest first with distinct q values (RFC 3329 §2.2).
    static let server = [
        "ipsec-3gpp;q=0.5;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=3333;spi-s=4444;port-c=5066;port-s=5068",
        "ipsec-3gpp;q=0.1;alg=hmac-md5-96;ealg=null;prot=esp;mod=trans;spi-c=3333;spi-s=4444;port-c=5066;port-s=5068",
    ]

    static func required(_ m: SIPMessage) -> Bool {
        // Known headers, found by kind (no name to look up on every request from a UE).
        guard m.contains(.require) || m.contains(.proxyRequire) else { return false }
        return (m.listValues("Require") + m.listValues("Proxy-Require")).contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == tag }
    }

    /// Security-Verify must repeat the Security-Server list as sent: same entries, same order
    /// (RFC 3329 §2.3.1), compared without whitespace differences.
    static func sameList(_ a: [String], _ b: [String]) -> Bool {
        func norm(_ s: String) -> String { s.filter { $0 != " " && $0 != "\t" }.lowercased() }
        return a.map(norm) == b.map(norm)
    }
}

/// P-CSCF side: 494 for a request that requires sec-agree but arrives unprotected, or whose
/// Security-Verify is not the list this P-CSCF sent (a downgrade: the attacker removed the
/// stronger mechanism from the 401); Security-Server on the 401 to REGISTER; Security-Verify
/// and the sec-agree option tags go no further than the P-CSCF (TS 24.229).
struct SecurityAgreement: ProxyRule {
    let name = "SecurityAgreement"

    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard let p = e as? PCSCF, p.isFromUE(x), x.method != "ACK", SecAgree.required(x.request) else { return }
        let verify = x.request.listValues("Security-Verify")
        let challenge = SecAgree.server.map { ("Security-Server", $0) } + [("Require", SecAgree.tag)]
        if verify.isEmpty {
            // Only the initial REGISTER may come before the agreement (it carries Security-Client).
            guard x.method == "REGISTER", !x.request.listValues("Security-Client").isEmpty else {
                x.reject(494, "Security Agreement Required", extra: challenge)
                e.note(name, "\(x.method) requires sec-agree but carries no Security-Verify: 494")
                return
            }
        } else if e.policy.bool("check_security_verify"), !SecAgree.sameList(verify, SecAgree.server) {
            x.reject(494, "Security Agreement Required", extra: challenge)
            e.note(name, "Security-Verify (\(verify.count) mechanism(s)) differs from the Security-Server list sent: 494")
            return
        }
        _ = x.request.removeHeader("Security-Verify")
        for h in ["Require", "Proxy-Require"] {
            let rest = x.request.listValues(h).filter { $0.trimmingCharacters(in: .whitespaces).lowercased() != SecAgree.tag }
            if rest.isEmpty { _ = x.request.removeHeader(h) } else { x.request.setHeader(h, values: rest) }
        }
        x.changes.append("\(name): sec-agree headers removed")
    }

    func onResponse(_ response: inout SIPMessage, request: ProxyExchange, _ e: ProxyElement) {
        guard request.method == "REGISTER", response.statusCode == 401, (e as? PCSCF)?.isFromUE(request) == true,
              !request.request.listValues("Security-Client").isEmpty else { return }
        for s in SecAgree.server { response.addHeader("Security-Server", s) }
        response.addHeader("Require", SecAgree.tag)
    }
}

/// UE side: Security-Client on REGISTER, then Security-Verify = the Security-Server list
/// received, on every request, with `Require`/`Proxy-Require: sec-agree`.
extension UserEquipment {
    func secAgreeHeaders(register: Bool) -> [(String, String)] {
        guard usesSecAgree else { return [] }
        var out: [(String, String)] = [("Require", SecAgree.tag), ("Proxy-Require", SecAgree.tag)]
        if register { out.append(("Security-Client", SecAgree.client)) }
        for v in securityServer { out.append(("Security-Verify", v)) }
        return out
    }

    func learnSecurityServer(_ r: SIPMessage) {
        let list = r.listValues("Security-Server")
        if !list.isEmpty { securityServer = list }
    }
}
