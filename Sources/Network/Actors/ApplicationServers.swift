import Foundation
import Identity
import SIPCore

/// Application servers: proxies in the S-CSCF's iFC chain that route by Route only.
final class ApplicationServer: ProxyElement {
    override func makeRules() -> [any ProxyRule] {
        switch role {
        case .stiAS: rules(policy, [("sign", SignIdentity())])
        case .stiVS: rules(policy, [("verify_identity", VerifyIdentity()), ("check_mky", CheckMediaKey())])
        case .enterprise: rules(policy, [("sign", SignEnterpriseRCD())])
        case .tas: [AuthoriseDataChannel()]
        default: []
        }
    }

    /// The signing credential: the actor's `certificate`, or the role's default.
    var signer: PASSporTSigner? {
        ctx.pki.signer(spec.certificate ?? (role == .enterprise ? "delegate" : "sp"))
    }

    /// The STI-AS's switches, read once (policies are fixed for a run).
    lazy var signing = SignerSwitches(policy)

    /// The STI-VS's service and switches, built once (policies and the PKI are fixed for a run).
    lazy var verifier = VerifierSetup(self)
}

/// What the STI-VS switches make of RFC 8224 verification: the service with its rule list and
/// the handling around it. A class: each request takes one reference, not a copy of the rule list.
final class VerifierSetup {
    let service: VerificationService
    let requireRCDI: Bool
    let checkJCardURIs: Bool
    let rejectOnFailure: Bool
    let markVerstat: Bool
    let showRCD: Bool

    init(_ e: ProxyElement) {
        let p = e.policy
        let minAttest = SHAKEN.Attestation(rawValue: p.string("min_attestation"))
        let config = IdentityVerificationConfig(freshness: Int64(p.int("freshness_s")), identityRequired: p.bool("identity_required"),
                                                minimumAttestation: minAttest)
        let keys = e.ctx.pki.keyProvider
        let covers: ((String, String) -> Bool?)? = p.bool("check_tn_auth_list")
            ? { tn, url in keys.tnAuthListCovers(origTN: tn, x5u: url) } : nil
        var service = VerificationService(config: config, tnAuthList: covers)
        // rcdi over URL content: what this verifier's web serves now (RFC 9795 §8.2).
        service.config.rcdContentStore = e.spec.web
        if !p.bool("check_freshness") { service = service.without("Freshness") }
        if !p.bool("check_rcdi") { service = service.without("RCDIntegrity") }
        if !p.bool("check_rcd_constraints") { service = service.without("RCDConstraints") }
        // RFC 9795 §12.2: a full-form `nam` must be the From display name; otherwise the RCD is
        // not shown (§8.1 "use no claim") or, by policy, the request gets 438.
        if p.bool("check_rcd_name") {
            service.policies.append(RCDAuthorised(checkDisplayName: true,
                                                  action: p.string("rcd_mismatch_action") == "reject" ? .reject : .ignoreRCD))
        }
        self.service = service
        requireRCDI = p.bool("require_rcdi")
        checkJCardURIs = p.bool("check_jcard_uris")
        rejectOnFailure = p.bool("reject_on_failure")
        markVerstat = p.bool("mark_verstat")
        showRCD = p.bool("show_rcd")
    }

    /// The verdict on `request`, the identity headers the rules parsed on the way (for the
    /// verstat marking) and the PASSporT payloads they decoded (for the `mky` check). The
    /// context is gone on return, so the caller's request is again the only reference to its
    /// bytes and is edited in place.
    func verify(_ request: SIPMessage, _ e: ProxyElement)
        -> (IdentityVerdict, [(header: KnownHeader, values: [AddressValue]?)], [(jws: String, payload: JSONValue)]) {
        var context = IdentityVerificationContext(request: request, now: e.ctx.unixNow, config: service.config,
                                                  keyProvider: e.ctx.pki.keyProvider)
        let verdict = service.verify(&context)
        return (verdict, context.parsedAddresses, context.decodedPayloads)
    }
}

/// What the STI-AS switches say about signing.
struct SignerSwitches {
    let addDate: Bool
    let attestation: String
    let authoriseRCD: Bool
    let signMky: Bool
    let compactForm: Bool

    init(_ p: Policy) {
        addDate = p.bool("add_date")
        attestation = p.string("attestation")
        authoriseRCD = p.bool("authorise_rcd")
        signMky = p.bool("sign_mky")
        compactForm = p.bool("compact_form")
    }
}

/// Facts both signers need from an originating INVITE.
struct OriginatingFacts {
    var origTN: String?
    var origURI: String?
    var destTN: String?
    /// The To URI: `dest` reduces it to an address of record only when it names no TN.
    var destAddress: URI?
    var displayName: String?
    var callReason: String?

    init(_ m: SIPMessage) {
        for v in m.nameAddresses(.pAssertedIdentity) {
            if origTN == nil, let tn = Addressing.tn(of: v.uri) { origTN = tn }
            if origURI == nil { origURI = v.uri.description }
        }
        if let from = m.addressValue(.from) {
            displayName = from.displayName
            if origTN == nil, origURI == nil { origTN = Addressing.tn(of: from.uri); origURI = from.uri.description }
        }
        if let to = m.addressValue(.to) {
            destTN = Addressing.tn(of: to.uri)
            destAddress = to.uri
        }
        callReason = m.callInfo.compactMap(\.callReason).first
    }

    var orig: PASSporTOriginator? { origTN.map { .tn($0) } ?? origURI.map { .uri(TelephoneNumber.addressOfRecord($0)) } }
    var dest: PASSporTDestination? {
        if let destTN { return PASSporTDestination(tn: [destTN]) }
        return destAddress.map { PASSporTDestination(uri: [TelephoneNumber.addressOfRecord($0)]) }
    }
}

/// Adds Date (the AS's clock is the virtual clock) when missing.
func ensureDate(_ x: inout ProxyExchange, _ e: ProxyElement) -> Int64 {
    let now = e.ctx.unixNow
    if let d = x.request.dateValue { return d.secondsSince1970 }
    let date = SIPDate(secondsSince1970: now).description
    // A malformed Date is replaced; with none, the new one is appended (what setting it does).
    if x.request.contains(.date) { x.request.setHeader("Date", date) } else { x.request.addHeader("Date", date) }
    return now
}

/// STI-AS (RFC 8224 §5, RFC 8588): signs originating INVITEs. The RCD name is signed only
/// when the subscription authorises that TN and name (TR 33.890 KI#1 solution 1).
struct SignIdentity: ProxyRule {
    let name = "SignIdentity"
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard x.method == "INVITE", x.isInitial, let a = e as? ApplicationServer, let signer = a.signer else { return }
        let facts = OriginatingFacts(x.request)
        guard let orig = facts.orig, let dest = facts.dest else {
            e.note(name, "no originating or destination identity: not signed")
            return
        }
        let switches = a.signing
        let iat = switches.addDate ? ensureDate(&x, e) : e.ctx.unixNow
        let subscriber = facts.origURI.flatMap { e.ctx.subscriber(owning: $0) }
        let ownsTN = facts.origTN.map { tn in subscriber.map { s in s.tn == tn || s.impus.contains { Addressing.tn(of: $0) == tn } } ?? false } ?? false
        let attest = ownsTN ? switches.attestation : "B"
        var rcd: RichCallData?
        if let display = facts.displayName, !display.isEmpty {
            let authorised = subscriber?.thirdParty.contains { $0.name == display && (TelephoneNumber.canonical($0.tn) ?? $0.tn) == facts.origTN } ?? false
            if authorised || !switches.authoriseRCD {
                rcd = RichCallData(nam: display)
                e.note(name, authorised ? "RCD name '\(display)' authorised for the caller's TN: signed"
                                        : "RCD name '\(display)' NOT authorised but authorise_rcd is off: signed")
            } else {
                e.note(name, "RCD name '\(display)' is not listed for the caller's TN: not signed")
            }
        }
        var uuidBytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<2 { let w = e.ctx.random.next(); for j in 0..<8 { uuidBytes[i * 8 + j] = UInt8(truncatingIfNeeded: w >> (8 * j)) } }
        uuidBytes[6] = (uuidBytes[6] & 0x0F) | 0x40
        uuidBytes[8] = (uuidBytes[8] & 0x3F) | 0x80
        let origid = Self.uuidText(uuidBytes)
        let claims = PASSporTClaims(orig: orig, dest: dest, iat: iat, attest: attest, origid: origid, rcd: rcd,
                                    crn: rcd == nil ? nil : facts.callReason,
                                    mky: switches.signMky ? DataChannelSDP.mky(of: x.request) : nil)
        addIdentity(&x, e, rule: name, change: "added Identity (attest \(attest), x5u \(signer.x5u))",
                    note: "signed orig \(facts.origTN ?? facts.origURI ?? "?") attest \(attest)") {
            try signer.identityField(claims: claims, ppt: SHAKEN.ppt, compact: switches.compactForm)
        }
    }
}

extension SignIdentity {
    /// RFC 4122 text of 16 bytes in lower case (`UUID(uuid:).uuidString.lowercased()`, written
    /// straight from the bytes).
    static func uuidText(_ bytes: [UInt8]) -> String {
        precondition(bytes.count == 16)
        // Written into the string's own storage: no digit table or byte array to allocate.
        return String(unsafeUninitializedCapacity: 36) { out in
            var o = 0
            for (i, b) in bytes.enumerated() {
                if i == 4 || i == 6 || i == 8 || i == 10 { out[o] = UInt8(ascii: "-"); o += 1 }
                out[o] = hexDigit(b >> 4)
                out[o + 1] = hexDigit(b & 0x0F)
                o += 2
            }
            return o
        }
    }
}

/// Adds the Identity header `sign` makes, recording the change and the rule's note (or why
/// signing failed: the request then goes on unsigned).
func addIdentity(_ x: inout ProxyExchange, _ e: ProxyElement, rule: String, change: @autoclosure () -> String,
                 note: @autoclosure () -> String, _ sign: () throws -> String) {
    do {
        x.request.addHeader("Identity", try sign())
        x.changes.append("\(rule) \(change())")
        e.note(rule, note())
    } catch {
        e.note(rule, "signing failed: \(error)")
    }
}

/// Enterprise signer (TR 33.890 KI#1 solution 2): an RCD PASSporT with its delegate certificate.
struct SignEnterpriseRCD: ProxyRule {
    let name = "SignEnterpriseRCD"
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard x.method == "INVITE", x.isInitial, let a = e as? ApplicationServer, let signer = a.signer else { return }
        let facts = OriginatingFacts(x.request)
        let configured = e.policy.string("rcd_name")
        let nam = configured.isEmpty ? (facts.displayName ?? "") : configured
        guard let orig = facts.orig, let dest = facts.dest, !nam.isEmpty else {
            e.note(name, "no identity or RCD name: not signed")
            return
        }
        let iat = ensureDate(&x, e)
        let claims = PASSporTClaims(orig: orig, dest: dest, iat: iat, rcd: RichCallData(nam: nam), crn: facts.callReason)
        addIdentity(&x, e, rule: name, change: "added an rcd Identity (x5u \(signer.x5u))",
                    note: "signed RCD '\(nam)' for \(facts.origTN ?? facts.origURI ?? "?") with \(signer.x5u)") {
            try signer.identityField(claims: claims, ppt: RCDRules.ppt)
        }
    }
}

/// STI-VS (RFC 8224 §6.2) via Identity's VerificationService; verstat per TS 24.229 §7.2A.20.
struct VerifyIdentity: ProxyRule {
    let name = "VerifyIdentity"
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {
        guard x.method == "INVITE", x.isInitial else { return }
        let v = (e as? ApplicationServer)?.verifier ?? VerifierSetup(e)
        let (verified, parsedAddresses, payloads) = v.verify(x.request, e)
        x.decodedPayloads = payloads
        var verdict = verified
        // RFC 8224 §6.2.2: missing or invalid claims (e.g. SHAKEN attest "D", no origid) are
        // 438 with the reason phrase "Invalid PASSporT".
        if case .invalid(let rule, let why, 438?, _) = verdict.result, rule == "PASSporTSyntax" {
            verdict.result = .invalid(policy: rule, reason: why, sipStatus: 438, reasonPhrase: "Invalid PASSporT")
        }
        // RFC 9795 §6.1: an icn/jcl URL needs an rcdi digest; without one the rcd breaks a
        // constraint and no rcd claim is used (§8.1). The call itself proceeds.
        // (Only an rcd with an icn or jcl can lack a digest for it: the usual name-only one is passed by.)
        if v.requireRCDI, let rcd = verdict.claims?.rcd, rcd.icn != nil || rcd.jcl != nil {
            let covered = Set((verdict.claims?.rcdi ?? []).map(\.pointer))
            let bare = [("/icn", rcd.icn), ("/jcl", rcd.jcl)].filter { $0.1 != nil && !covered.contains($0.0) }.map(\.0)
            if !bare.isEmpty {
                verdict.rcdAuthorised = false
                verdict.notes.append("rich call data \(bare.joined(separator: ", ")) has no rcdi digest: no rcd claim used")
            }
        }
        // RFC 9795 §5.1.5: a linked jCard must carry no further URIs. They are never fetched, and
        // the breach means no rcd claim is used (§8.1).
        if v.checkJCardURIs, verdict.rcdAuthorised != false, let jcl = verdict.claims?.rcd?.jcl, let body = e.spec.web[jcl],
           let card = try? JSONValue.parse(body), let nested = Self.firstURI(in: card) {
            verdict.rcdAuthorised = false
            verdict.notes.append("rich call data jCard \(jcl) links \(nested) (not fetched): no rcd claim used")
        }
        if let r = verdict.rejection {
            e.note(name, "\(verdict.failedPolicy ?? "?") failed: \(verdict.reason ?? "") -> \(r.status) \(r.reasonPhrase)")
            if v.rejectOnFailure {
                x.reject(r.status, r.reasonPhrase)
                return
            }
            if let reason = verdict.reasonHeaderValue { x.request.addHeader("Reason", reason) }
        } else if let f = verdict.failedPolicy {
            e.note(name, "\(f): \(verdict.reason ?? "") (not rejected)")
        } else {
            let rcd = verdict.rcdAuthorised == false ? "; RCD not shown: " + (verdict.notes.first { $0.hasPrefix("rich call data") } ?? "not authorised") : ""
            e.note(name, "Identity verified (\(verdict.attestation?.rawValue ?? "-"))" + rcd)
        }
        // With RCD shown, P-Asserted-Identity is rewritten twice (verstat, then display
        // names): its marked values are handed on and it is written once.
        var markedPAI: [AddressValue]?
        if v.markVerstat {
            // The identity rules parsed these headers of this request (Reason, all that may
            // have been added since, is none of them).
            markedPAI = VerstatMarking.apply(verdict.verstat, to: &x.request, deferring: v.showRCD ? .pAssertedIdentity : nil,
                                             parsed: parsedAddresses)
            x.changes.append("\(name) verstat=\(verdict.verstat.rawValue)")
        }
        if v.showRCD { showRCD(verdict, &x, assertedIdentities: markedPAI) }
    }

    /// The PAI field values with `name` (the verified RCD name, or none) as display name.
    static func named(_ values: [AddressValue], _ name: String?) -> [String] {
        values.map { AddressValue(NameAddress(displayName: name, uri: $0.uri), parameters: $0.parameters).description }
    }

    /// The first string in a jCard that is an absolute http(s) URI.
    static func firstURI(in v: JSONValue) -> String? {
        switch v {
        case .string(let s): return s.hasPrefix("https://") || s.hasPrefix("http://") ? s : nil
        case .array(let a): return a.lazy.compactMap(firstURI(in:)).first
        case .object(let m): return m.lazy.compactMap { firstURI(in: $0.value) }.first
        default: return nil
        }
    }

    /// Only verified RCD reaches the UE: display names on PAI are replaced by the verified
    /// `nam` (or removed), and a verified `crn` is passed in Call-Info. `assertedIdentities`:
    /// the PAI values as verstat marking left them but did not write.
    private func showRCD(_ v: IdentityVerdict, _ x: inout ProxyExchange, assertedIdentities: [AddressValue]?) {
        let values = assertedIdentities ?? x.request.nameAddresses(.pAssertedIdentity)
        if !values.isEmpty {
            x.request.setHeader("P-Asserted-Identity", values: Self.named(values, v.callerName))
        }
        if x.request.contains(.callInfo) { x.request.removeHeader("Call-Info") }
        if let reason = v.callReason {
            var ci = CallInfo(uri: "urn:ietf:params:sip:rcd")
            ci.callReason = reason
            x.request.addHeader("Call-Info", ci.description)
        }
        // RFC 9796: the icon goes on only when its rcdi verified (or rcdi is not checked); an
        // element not verified is dropped while the call proceeds (RFC 9795 §8.2).
        if v.rcdAuthorised != false, let icon = v.claims?.rcd?.icn, !v.rcdUnverifiedPointers.contains("/icn") {
            x.request.addHeader("Call-Info", "<\(icon)>;purpose=icon")
            x.changes.append("RCD icon \(icon) shown")
        }
        if let name = v.callerName { x.changes.append("RCD name '\(name)' shown") }
    }
}
