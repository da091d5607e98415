/// One rule of an STI-VS (RFC 8224 §6.2), shaped like swift-certificates' `VerifierPolicy`:
/// a small value with a name and one check. Policies are composed in order with
/// `@IdentityPolicyBuilder` and run by `VerificationService`.
///
/// A policy reads (and may record into) the `IdentityVerificationContext`: decoding the
/// PASSporT, fetching the key and verifying the signature are cached there, so each policy
/// also works when the ones before it were left out of the list.
public protocol IdentityPolicy {
    /// Names the rule in a verdict (`IdentityVerdict.Result.invalid(policy:...)`).
    var name: String { get }
    /// `.request` policies run once, before any Identity header is examined (they may narrow
    /// `context.candidates`); `.perIdentity` policies run for each candidate header.
    var scope: IdentityPolicyScope { get }
    func evaluate(_ context: inout IdentityVerificationContext) -> IdentityPolicyResult
}

extension IdentityPolicy {
    public var scope: IdentityPolicyScope { .perIdentity }
    /// The type name, e.g. `Freshness`.
    public var name: String { String(describing: Self.self) }
}

public enum IdentityPolicyScope: Hashable, Sendable {
    case request
    case perIdentity
}

/// What one policy decided.
public enum IdentityPolicyResult: Hashable, Sendable {
    case passes
    case fails(IdentityPolicyFailure)

    public static func fails(_ reason: String, sipStatus: Int?, reasonPhrase: String?,
                             verstat: Verstat = .failed) -> IdentityPolicyResult {
        .fails(IdentityPolicyFailure(reason: reason, sipStatus: sipStatus, reasonPhrase: reasonPhrase, verstat: verstat))
    }

    /// Passes when a step of the context succeeded, fails with its failure otherwise.
    init<T>(_ step: Result<T, IdentityPolicyFailure>) {
        switch step {
        case .success: self = .passes
        case .failure(let f): self = .fails(f)
        }
    }
}

/// Why a rule failed, and what to do about it. `sipStatus == nil` means "do not reject the
/// request" (the call continues, only `verstat` reports the failure).
public struct IdentityPolicyFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    public var sipStatus: Int?
    public var reasonPhrase: String?
    public var verstat: Verstat

    public init(reason: String, sipStatus: Int?, reasonPhrase: String?, verstat: Verstat = .failed) {
        self.reason = reason
        self.sipStatus = sipStatus
        self.reasonPhrase = reasonPhrase
        self.verstat = verstat
    }

    public var description: String {
        (sipStatus.map { "\($0) \(reasonPhrase ?? "")" } ?? "no rejection") + ": " + reason
    }

    /// 428 (RFC 8224 §6.2.2).
    public static func useIdentityHeader(_ reason: String, phrase: String = "Use Identity Header") -> IdentityPolicyFailure {
        IdentityPolicyFailure(reason: reason, sipStatus: 428, reasonPhrase: phrase)
    }
    /// 436: the credential named by `info` cannot be used or fetched.
    public static func badIdentityInfo(_ reason: String) -> IdentityPolicyFailure {
        IdentityPolicyFailure(reason: reason, sipStatus: 436, reasonPhrase: "Bad Identity Info")
    }
    /// 437: unsupported algorithm or untrusted credential.
    public static func unsupportedCredential(_ reason: String) -> IdentityPolicyFailure {
        IdentityPolicyFailure(reason: reason, sipStatus: 437, reasonPhrase: "Unsupported Credential")
    }
    /// 438: no valid PASSporT (syntax, claims, SIP mismatch, signature).
    public static func invalidIdentityHeader(_ reason: String) -> IdentityPolicyFailure {
        IdentityPolicyFailure(reason: reason, sipStatus: 438, reasonPhrase: "Invalid Identity Header")
    }
    /// 403 Stale Date: Date or `iat` outside the freshness window.
    public static func staleDate(_ reason: String) -> IdentityPolicyFailure {
        IdentityPolicyFailure(reason: reason, sipStatus: 403, reasonPhrase: "Stale Date")
    }
}

/// Composes policies into an ordered list, like swift-certificates' `PolicyBuilder`:
/// ```
/// VerificationService {
///     IdentityPresent()
///     IdentitySyntax()
///     if checkFreshness { Freshness() }
///     SignatureValid()
/// }
/// ```
@resultBuilder
public enum IdentityPolicyBuilder {
    public static func buildExpression(_ policy: some IdentityPolicy) -> [any IdentityPolicy] { [policy] }
    public static func buildExpression(_ policies: [any IdentityPolicy]) -> [any IdentityPolicy] { policies }
    public static func buildBlock(_ components: [any IdentityPolicy]...) -> [any IdentityPolicy] { components.flatMap { $0 } }
    public static func buildOptional(_ component: [any IdentityPolicy]?) -> [any IdentityPolicy] { component ?? [] }
    public static func buildEither(first component: [any IdentityPolicy]) -> [any IdentityPolicy] { component }
    public static func buildEither(second component: [any IdentityPolicy]) -> [any IdentityPolicy] { component }
    public static func buildArray(_ components: [[any IdentityPolicy]]) -> [any IdentityPolicy] { components.flatMap { $0 } }
    public static func buildLimitedAvailability(_ component: [any IdentityPolicy]) -> [any IdentityPolicy] { component }
}
