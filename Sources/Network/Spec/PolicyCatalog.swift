/// Every policy switch per role with its spec-conformant default. The scenario validator uses
/// it to reject unknown names; `SimulatedNetwork` merges a spec's values over these defaults.
public enum PolicyCatalog {
    public struct Switch: Hashable, Sendable {
        public var name: String
        public var defaultValue: PolicyValue
        /// For string switches that pick an alternative: the allowed values (empty: free text).
        public var allowed: [String]
        public var help: String
    }

    public static func defaults(for role: ActorRole) -> [String: PolicyValue] {
        Dictionary(uniqueKeysWithValues: switches(for: role).map { ($0.name, $0.defaultValue) })
    }

    public static func switches(for role: ActorRole) -> [Switch] {
        func b(_ n: String, _ v: Bool, _ h: String) -> Switch { Switch(name: n, defaultValue: .bool(v), allowed: [], help: h) }
        func i(_ n: String, _ v: Int, _ h: String) -> Switch { Switch(name: n, defaultValue: .int(v), allowed: [], help: h) }
        func s(_ n: String, _ v: String, _ a: [String], _ h: String) -> Switch {
            Switch(name: n, defaultValue: .string(v), allowed: a, help: h)
        }
        let proxyCommon = [
            b("record_route", true, "add Record-Route so in-dialog requests pass this element"),
            b("strip_untrusted_pai", true, "remove P-Asserted-Identity received from outside the trust domain (RFC 3325 §5)"),
            b("apply_privacy", true, "remove P-Asserted-Identity when Privacy: id and the next hop is outside the trust domain (RFC 3325 §7)"),
        ]
        switch role {
        case .ue:
            return [
                s("digest_algorithms", "SHA-256,MD5", [], "digest algorithms the UE supports; it answers the strongest offered (RFC 8760)"),
                b("auto_answer", true, "answer incoming calls with 200 OK without waiting for answer()"),
                b("send_ringing", true, "send 180 Ringing before answering"),
                i("answer_delay_ms", 0, "delay between ringing and the automatic answer"),
                b("trust_pai_from_any", false, "show a PAI received from an element other than the serving P-CSCF (RFC 3325 §8 says ignore it)"),
                b("check_aka_mac", true, "IMS AKA: refuse a challenge whose MAC-A is wrong with an empty response (TS 33.102 §6.3.3); off: answer any network"),
                b("sec_agree", false, "use security agreement (RFC 3329): Security-Client on REGISTER, then Security-Verify on every request"),
                b("check_aka_sqn", true, "IMS AKA: answer a challenge whose SQN is not fresh with auts (RFC 3310 §3.4); off: replayed challenges answered"),
            ]
        case .pcscf:
            return proxyCommon + [
                b("require_registration", true, "refuse requests from UEs that are not registered (TS 24.229 §5.2.6.3)"),
                b("trusts_ue_asserted_identity", false, "misconfiguration: pass a UE-supplied P-Asserted-Identity on"),
                b("assert_identity", true, "assert PAI from a matching P-Preferred-Identity, else the default IMPU"),
                b("remove_ppi", true, "always remove P-Preferred-Identity"),
                b("charging_vector", true, "insert P-Charging-Vector (RFC 7315)"),
                b("privacy_to_ue", true, "terminating side: remove PAI towards the UE when Privacy: id"),
                b("check_security_verify", true, "494 when Security-Verify differs from the Security-Server list sent (RFC 3329 §2.3.1)"),
                b("strip_aka_keys", true, "remove ck= and ik= from the AKA 401 before it goes to the UE (TS 33.203 §7.1)"),
            ]
        case .scscf:
            return proxyCommon + [
                b("authenticate", true, "challenge REGISTER with digest and check the response against the subscriber table"),
                s("digest_algorithm", "both", ["both", "SHA-256", "MD5"], "challenges offered: SHA-256 then MD5, or one of them"),
                s("ifc_orig", "auto", [], "comma-separated AS names triggered on the originating side; auto = linked tas, enterprise, sti-as"),
                s("ifc_term", "auto", [], "comma-separated AS names triggered on the terminating side; auto = linked sti-vs, tas"),
                i("register_expires", 3600, "registration lifetime granted (s)"),
                b("check_nonce_replay", true, "a digest nonce + nc answered before gets a fresh 401, nc must increase per nonce (RFC 7616 §3.4, §5.4)"),
                i("nonce_lifetime_s", 300, "a digest nonce is forgotten this long after it was issued"),
                i("nonce_table_size", 4096, "most digest nonces held at once; the oldest is evicted first"),
            ]
        case .icscf:
            return proxyCommon + [
                b("reject_untrusted_register", true, "403 for REGISTER arriving from outside the trust domain (TS 24.229 §5.3.1.2)"),
            ]
        case .ibcf:
            return proxyCommon + [
                b("strip_identity_from_untrusted", false, "remove Identity headers arriving from an untrusted peer"),
                b("strip_verstat_from_untrusted", true, "remove verstat arriving from an untrusted peer (the verifier owns verstat)"),
            ]
        case .stiAS:
            return [
                b("record_route", false, "add Record-Route"),
                b("sign", true, "add an Identity header (RFC 8224) for originating INVITEs"),
                s("attestation", "A", ["A", "B", "C"], "SHAKEN attest for callers whose TN is in their subscription"),
                b("authorise_rcd", true, "sign an RCD name only if the subscription lists that TN and name (TR 33.890 KI#1 sol.1)"),
                b("compact_form", false, "send the compact form ..signature"),
                b("add_date", true, "add a Date header when the request has none"),
                b("sign_mky", true, "sign the SDP DTLS fingerprints as mky (RFC 8225 §5.2.2)"),
            ]
        case .stiVS:
            return [
                b("record_route", false, "add Record-Route"),
                b("verify_identity", true, "verify Identity headers of terminating INVITEs (RFC 8224 §6.2)"),
                b("identity_required", true, "428 when no usable Identity header"),
                b("reject_on_failure", true, "reject with the RFC 8224 status; false: continue with Reason (RFC 9410)"),
                s("min_attestation", "none", ["none", "A", "B", "C"], "below this attest the call gets TN-Validation-Failed"),
                i("freshness_s", 60, "Date/iat freshness window"),
                b("check_freshness", true, "apply the freshness rule (off: accepts replays)"),
                b("check_tn_auth_list", true, "the certificate's TNAuthList must cover orig"),
                b("mark_verstat", true, "put verstat on the PAI/From TN (TS 24.229 §7.2A.20)"),
                b("show_rcd", true, "pass the verified RCD name and call reason to the UE (PAI display name, Call-Info)"),
                b("check_mky", true, "438 when the SDP a=fingerprint differs from the signed mky (RFC 8224 §12)"),
                b("check_rcd_name", true, "the signed rcd nam must equal the From display name (RFC 9795 §12.2)"),
                s("rcd_mismatch_action", "ignore_rcd", ["ignore_rcd", "reject"], "rcd nam differs from From: do not show the RCD (RFC 9795 §8.1), or 438"),
                b("check_rcdi", true, "check rcdi digests against the rcd claim and the content fetched from the verifier's web (RFC 9795 §8.2)"),
                b("check_rcd_constraints", true, "an rcd with both jcd and jcl breaks RFC 9795 §5.1.5: the call proceeds and no rcd claim is used (§8.1)"),
                b("check_jcard_uris", true, "a jCard fetched by jcl must hold no URIs (RFC 9795 §5.1.5): nested URIs are never fetched, and such an rcd is not used"),
                b("require_rcdi", true, "an rcd with an icn/jcl URL but no rcdi digest for it is not used (RFC 9795 §6.1, §8.1)"),
            ]
        case .enterprise:
            return [
                b("record_route", false, "add Record-Route"),
                b("sign", true, "sign an RCD PASSporT with the delegate certificate (TR 33.890 KI#1 sol.2)"),
                s("rcd_name", "", [], "name to sign; empty: the From display name"),
            ]
        case .tas:
            return [
                b("record_route", false, "add Record-Route"),
                b("authorise_dc", true, "check the served user's data channel subscription (TS 24.186 §9.3.2.2.1)"),
                s("dc_unauthorised_action", "remove", ["remove", "reject"], "no DC subscription: delete the DC m-lines, or 488"),
                b("remove_ue_remote_bdc", true, "delete remote bootstrap DC m-lines (dcmap 100/110) the UE wrote itself"),
                b("authorise_dc_apps", true, "application DCs only for applications in the subscription"),
                s("dc_unlisted_app_action", "port0", ["port0", "reject"], "unlisted application DC: refuse the stream (port 0), or 488"),
            ]
        case .dcsf, .mf:
            return SBAPolicy.producerSwitches
        case .nrf:
            return SBAPolicy.nrfSwitches
        case .attacker:
            return []
        }
    }

    /// Checks names and types against the catalog and returns defaults overlaid with `values`.
    static func resolve(actor: String, role: ActorRole, _ values: [String: PolicyValue]) throws(NetworkConfigError) -> Policy {
        let known = switches(for: role)
        var merged = defaults(for: role)
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            guard let sw = known.first(where: { $0.name == name }) else {
                throw .unknownPolicySwitch(actor: actor, role: role, name: name, known: known.map(\.name).sorted())
            }
            guard sw.defaultValue.kindName == value.kindName else {
                throw .wrongPolicyType(actor: actor, name: name, expected: sw.defaultValue.kindName, found: value.kindName)
            }
            if !sw.allowed.isEmpty, let s = value.stringValue, !sw.allowed.contains(s) {
                throw .invalidPolicyValue(actor: actor, name: name, value: s, allowed: sw.allowed)
            }
            merged[name] = value
        }
        return Policy(values: merged)
    }
}

/// The resolved switches of one actor (every name present).
public struct Policy: Sendable {
    public var values: [String: PolicyValue]
    public func bool(_ name: String) -> Bool { values[name]?.boolValue ?? false }
    public func int(_ name: String) -> Int { values[name]?.intValue ?? 0 }
    public func string(_ name: String) -> String { values[name]?.stringValue ?? "" }
}
