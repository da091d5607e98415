/// What the validator knows about roles, policy switches and attacker actions.
///
/// The engine replaces `policies` with the network's own catalogue (see
/// `ScenarioCatalog.network`), and a test checks the fallback table stays in step with it.
public struct ScenarioCatalog: Sendable {
    public enum SettingKind: String, Sendable { case bool, int, string }

    public var roles: [String]
    /// role -> switch name -> kind of value
    public var policies: [String: [String: SettingKind]]

    public init(roles: [String], policies: [String: [String: SettingKind]]) {
        self.roles = roles
        self.policies = policies
    }

    public static let allRoles = ["ue", "pcscf", "scscf", "icscf", "ibcf", "sti-as", "sti-vs", "enterprise", "tas",
                                  "attacker", "dcsf", "mf", "nrf"]

    /// Used until (and unless) the network module provides its catalogue.
    public static let fallback = ScenarioCatalog(roles: allRoles, policies: fallbackPolicies)

    static let fallbackPolicies: [String: [String: SettingKind]] = [
        "ue": ["digest_algorithms": .string, "auto_answer": .bool, "send_ringing": .bool, "answer_delay_ms": .int, "trust_pai_from_any": .bool, "check_aka_mac": .bool, "check_aka_sqn": .bool, "sec_agree": .bool],
        "pcscf": ["record_route": .bool, "strip_untrusted_pai": .bool, "apply_privacy": .bool, "require_registration": .bool, "trusts_ue_asserted_identity": .bool, "assert_identity": .bool, "remove_ppi": .bool, "charging_vector": .bool, "privacy_to_ue": .bool, "strip_aka_keys": .bool, "check_security_verify": .bool],
        "scscf": ["record_route": .bool, "strip_untrusted_pai": .bool, "apply_privacy": .bool, "authenticate": .bool, "digest_algorithm": .string, "ifc_orig": .string, "ifc_term": .string, "register_expires": .int, "check_nonce_replay": .bool, "nonce_lifetime_s": .int, "nonce_table_size": .int],
        "icscf": ["record_route": .bool, "strip_untrusted_pai": .bool, "apply_privacy": .bool, "reject_untrusted_register": .bool],
        "ibcf": ["record_route": .bool, "strip_untrusted_pai": .bool, "apply_privacy": .bool, "strip_identity_from_untrusted": .bool, "strip_verstat_from_untrusted": .bool],
        "sti-as": ["record_route": .bool, "sign": .bool, "attestation": .string, "authorise_rcd": .bool, "compact_form": .bool, "add_date": .bool, "sign_mky": .bool],
        "sti-vs": ["record_route": .bool, "verify_identity": .bool, "identity_required": .bool, "reject_on_failure": .bool, "min_attestation": .string, "freshness_s": .int, "check_freshness": .bool, "check_tn_auth_list": .bool, "mark_verstat": .bool, "show_rcd": .bool, "check_mky": .bool, "check_rcd_name": .bool, "rcd_mismatch_action": .string, "require_rcdi": .bool, "check_rcdi": .bool, "check_jcard_uris": .bool, "check_rcd_constraints": .bool],
        "enterprise": ["record_route": .bool, "sign": .bool, "rcd_name": .string],
        "tas": ["record_route": .bool, "authorise_dc": .bool, "dc_unauthorised_action": .string, "remove_ue_remote_bdc": .bool, "authorise_dc_apps": .bool, "dc_unlisted_app_action": .string],
        "attacker": [:],
        "dcsf": ["require_mtls": .bool, "require_access_token": .bool, "check_signature": .bool, "check_expiry": .bool, "check_audience": .bool, "check_scope": .bool, "bind_client_identity": .bool, "reject_replay": .bool, "wrong_audience_status": .int, "service": .string],
        "mf": ["require_mtls": .bool, "require_access_token": .bool, "check_signature": .bool, "check_expiry": .bool, "check_audience": .bool, "check_scope": .bool, "bind_client_identity": .bool, "reject_replay": .bool, "wrong_audience_status": .int, "service": .string],
        "nrf": ["token_lifetime_s": .int, "include_jti": .bool],
    ]

    public func switches(for role: String) -> [String: SettingKind]? { policies[role] }
}

/// Attacker actions: canonical name -> (required parameters, optional parameters).
enum AttackCatalog {
    static let aliases = ["spoof_header": "set_header", "strip_header": "remove_header", "add_header": "set_header"]
    static let actions: [String: (required: [String], optional: [String])] = [
        "observe": ([], []),
        "drop": ([], []),
        "delay": (["by"], []),
        "duplicate": ([], []),
        "replay": (["after"], []),
        "set_header": (["header", "value"], []),
        "remove_header": (["header"], []),
        "duplicate_header": (["header"], []),
        "change_uri": (["value"], ["header"]),
        "set_body": (["value"], ["content_type"]),
        "set_parameter": (["header", "parameter", "value"], []),
        "inject_crlf": (["header", "value"], []),
        "sign_with": (["key"], ["attest", "origid", "rcd_name", "x5u", "iat_offset", "icon", "icon_content", "jcard", "jcard_content", "jcd"]),
        "tamper_identity": (["part"], []),
    ]
    static let matchKeys = ["link", "from", "to", "method", "status", "nth"]
    static let keys = ["own", "stolen", "expired", "out-of-scope", "untrusted"]
    static let parts = ["header", "payload", "signature"]
}

enum SIPVocabulary {
    static let methods = ["INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "PRACK", "UPDATE", "INFO",
                          "SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE", "PUBLISH", "POST", "GET"]
    static let verstat = ["TN-Validation-Passed", "TN-Validation-Failed", "No-TN-Validation"]
    static let transports = ["udp", "tcp", "tls"]
}
