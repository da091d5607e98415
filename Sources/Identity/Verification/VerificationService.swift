import SIPCore

/// The outcome of verifying a request's Identity headers.
public struct IdentityVerdict: Hashable, Sendable {
    public enum Result: Hashable, Sendable {
        case valid
        /// `policy` names the rule that failed; `sipStatus` nil means the request is not
        /// rejected (e.g. no Identity but none required, or attestation below the minimum).
        case invalid(policy: String, reason: String, sipStatus: Int?, reasonPhrase: String?)
    }

    public var result: Result
    /// The value to put on the caller's TN (TS 24.229 §7.2A.20).
    public var verstat: Verstat
    /// The PASSporT whose signature verified, when one did (also on a non-rejecting failure
    /// that came after the signature check).
    public var passport: VerifiedPASSporT?
    /// Which Identity header (0-based among the request's Identity fields) the verdict is about.
    public var identityIndex: Int?
    /// `rcdi` results for the PASSporT (empty when it has none).
    public var rcdResults: [RCDIResult]
    /// nil: no rcd; true: all RCD content verified; false: some element not verified (RFC 9795 §8.2).
    public var rcdVerified: Bool?
    /// rcd JSON pointers whose content is not verified.
    public var rcdUnverifiedPointers: [String]
    /// nil: no RCD or not checked; false: the RCD claims are not authorised and must not be
    /// shown (RFC 9795 §8.1 "use no claim"; see `RCDAuthorised`).
    public var rcdAuthorised: Bool?
    /// Non-fatal observations: ignored headers, skipped rules, other headers' failures.
    public var notes: [String]

    public init(result: Result, verstat: Verstat, passport: VerifiedPASSporT? = nil, identityIndex: Int? = nil,
                rcdResults: [RCDIResult] = [], rcdVerified: Bool? = nil, rcdUnverifiedPointers: [String] = [], rcdAuthorised: Bool? = nil, notes: [String] = []) {
        self.result = result
        self.verstat = verstat
        self.passport = passport
        self.identityIndex = identityIndex
        self.rcdResults = rcdResults
        self.rcdVerified = rcdVerified
        self.rcdUnverifiedPointers = rcdUnverifiedPointers
        self.rcdAuthorised = rcdAuthorised
        self.notes = notes
    }

    public var isValid: Bool { result == .valid }

    /// The verified claims (only for a valid verdict): what a UE may display.
    public var claims: PASSporTClaims? { isValid ? passport?.claims : nil }
    /// RCD display name (`rcd.nam`, covered by the signature), unless the RCD was not authorised.
    public var callerName: String? { rcdAuthorised == false ? nil : claims?.rcd?.nam }
    /// RCD call reason (`crn`, covered by the signature), unless the RCD was not authorised.
    public var callReason: String? { rcdAuthorised == false ? nil : claims?.crn }
    /// SHAKEN attestation of the verified PASSporT.
    public var attestation: SHAKEN.Attestation? { claims?.attest.flatMap(SHAKEN.Attestation.init(rawValue:)) }

    /// The name of the rule that failed.
    public var failedPolicy: String? {
        if case .invalid(let p, _, _, _) = result { return p }
        return nil
    }
    public var reason: String? {
        if case .invalid(_, let r, _, _) = result { return r }
        return nil
    }

    /// The response to send instead of forwarding the request, when the verdict rejects it.
    public var rejection: (status: Int, reasonPhrase: String)? {
        guard case .invalid(_, _, let status?, let phrase) = result else { return nil }
        return (status, phrase ?? "")
    }

    /// RFC 9410 `Reason` value for a VS that lets the call continue after a failure:
    /// `SIP;cause=438;text="Invalid Identity Header"`.
    public var reasonHeaderValue: String? {
        guard let r = rejection else { return nil }
        var text = ""
        for c in r.reasonPhrase {
            if c == "\\" || c == "\"" { text.append("\\") }
            text.append(c)
        }
        return "SIP;cause=\(r.status);text=\"\(text)\""
    }
}

/// An STI-VS (RFC 8224 §6.2) as an ordered list of `IdentityPolicy` values.
///
/// `.request` policies run first, once, in list order. Then each remaining Identity header is
/// checked by the `.perIdentity` policies in list order, stopping at its first failure. The
/// request is valid as soon as one header passes every policy (RFC 8224 §6.2.1: invalid only
/// if every Identity header is invalid). When all fail, the verdict is the first header's
/// failure, except that a failure which does not reject (no SIP status) wins over one that does.
public struct VerificationService {
    public var config: IdentityVerificationConfig
    public var policies: [any IdentityPolicy]

    public init(config: IdentityVerificationConfig = IdentityVerificationConfig(),
                @IdentityPolicyBuilder policies: () -> [any IdentityPolicy]) {
        self.config = config
        self.policies = policies()
    }

    /// The standard rule list, in RFC 8224 §6.2 order. `tnAuthList` adds `TNAuthListCoversOrig`
    /// after the signature check.
    public init(config: IdentityVerificationConfig = IdentityVerificationConfig(),
                tnAuthList: ((_ origTN: String, _ x5u: String) -> Bool?)? = nil) {
        self.init(config: config) { Self.standardPolicies(tnAuthList: tnAuthList) }
    }

    @IdentityPolicyBuilder
    public static func standardPolicies(tnAuthList: ((_ origTN: String, _ x5u: String) -> Bool?)? = nil) -> [any IdentityPolicy] {
        IdentityPresent()                // step 1: ignore unknown ppt; 428
        IdentitySyntax()                 // JWS / header: 438, alg: 437
        PASSporTSyntax()                 // claims: 438
        OrigMatchesAssertedIdentity()    // step 2: originator from SIP: 438
        DestMatchesRequestTarget()       // 438
        InfoMatchesX5U()                 // step 3: info vs x5u: 436
        CredentialAvailable()            // step 3: fetch and trust: 436 / 437
        Freshness()                      // step 4: Date and iat: 403
        SignatureValid()                 // step 5: 438
        if let tnAuthList { TNAuthListCoversOrig(covers: tnAuthList) }
        SHAKENAttestation()              // attest present; minimum level -> verstat only
        RCDIntegrity()                   // rcdi: marks elements, never rejects
        RCDConstraints()                 // jcd with jcl: rcd unused, never rejects
    }

    /// The same service with the named rules left out: a misconfigured VS as data
    /// (e.g. `without("Freshness")` accepts replays).
    public func without(_ names: String...) -> VerificationService {
        var copy = self
        copy.policies.removeAll { names.contains($0.name) }
        return copy
    }

    /// Verifies `request` at time `now` (seconds since 1970).
    public func verify(_ request: SIPMessage, now: Int64, keys: any IdentityKeyProvider) -> IdentityVerdict {
        var context = IdentityVerificationContext(request: request, now: now, config: config, keyProvider: keys)
        return verify(&context)
    }

    /// Runs the policies over a prepared context (left holding the last header's state).
    public func verify(_ context: inout IdentityVerificationContext) -> IdentityVerdict {
        for policy in policies where policy.scope == .request {
            if case .fails(let f) = policy.evaluate(&context) {
                return Self.verdict(policy: policy.name, failure: f, context: context)
            }
        }
        var failures: [IdentityVerdict] = []
        for index in context.candidates {
            context.select(index)
            var failed: IdentityVerdict?
            // Walked in place: a filtered copy of the existentials cost more than the test.
            for policy in policies where policy.scope == .perIdentity {
                if case .fails(let f) = policy.evaluate(&context) {
                    failed = Self.verdict(policy: policy.name, failure: f, context: context)
                    break
                }
            }
            guard let failed else {
                var notes = context.notes
                notes += failures.map { "Identity header \(($0.identityIndex ?? 0) + 1) failed \($0.failedPolicy ?? ""): \($0.reason ?? "")" }
                return IdentityVerdict(result: .valid, verstat: .passed, passport: context.passport, identityIndex: index,
                                       rcdResults: context.rcdResults, rcdVerified: context.rcdVerified,
                                       rcdUnverifiedPointers: context.rcdUnverifiedPointers,
                                       rcdAuthorised: context.rcdAuthorised, notes: notes)
            }
            failures.append(failed)
        }
        if var chosen = failures.first(where: { $0.rejection == nil }) ?? failures.first {
            chosen.notes = context.notes + failures.filter { $0 != chosen }.map {
                "Identity header \(($0.identityIndex ?? 0) + 1) failed \($0.failedPolicy ?? ""): \($0.reason ?? "")"
            }
            return chosen
        }
        // No candidates and no request policy objected (IdentityPresent left out of the list).
        return IdentityVerdict(result: .invalid(policy: "VerificationService", reason: "no Identity header to verify",
                                                sipStatus: config.identityRequired ? 428 : nil,
                                                reasonPhrase: config.identityRequired ? "Use Identity Header" : nil),
                               verstat: .noValidation, notes: context.notes)
    }

    static func verdict(policy: String, failure: IdentityPolicyFailure, context: IdentityVerificationContext) -> IdentityVerdict {
        IdentityVerdict(result: .invalid(policy: policy, reason: failure.reason, sipStatus: failure.sipStatus,
                                         reasonPhrase: failure.reasonPhrase),
                        verstat: failure.verstat, passport: context.passport, identityIndex: context.current?.index,
                        rcdResults: context.rcdResults, rcdVerified: context.rcdVerified,
                        rcdUnverifiedPointers: context.rcdUnverifiedPointers, rcdAuthorised: context.rcdAuthorised,
                        notes: context.notes)
    }
}
