import Crypto
import SIPCore

// The rules of an RFC 8224 §6.2 verification service, one per type. `VerificationService`
// lists them in the order the RFC prescribes; each also works on its own.

/// §6.2 step 1 and §6.2.2 (428). Identity headers whose `ppt` this VS does not support are
/// ignored; when none is left and Identity is required: 428 "Use Identity Header", or
/// 428 "Use Supported PASSporT Format" when only unsupported `ppt`s were offered. When
/// Identity is not required the request continues with `No-TN-Validation`.
public struct IdentityPresent: IdentityPolicy {
    public init() {}
    public var scope: IdentityPolicyScope { .request }

    public func evaluate(_ context: inout IdentityVerificationContext) -> IdentityPolicyResult {
        let supported = context.config.supportedPPTs
        var kept: [Int] = []
        var ignored: [String] = []
        for i in context.candidates {
            let entry = context.identityHeaders[i]
            // A field that does not parse is kept: IdentitySyntax reports it.
            if let ppt = IdentityVerificationContext.declaredPPT(entry), !supported.contains(ppt) {
                ignored.append(ppt)
                context.notes.append("Identity header \(i + 1) ignored: unsupported ppt \"\(ppt)\" (RFC 8224 §6.2 step 1)")
            } else {
                kept.append(i)
            }
        }
        context.candidates = kept
        guard kept.isEmpty else { return .passes }
        let reason = ignored.isEmpty ? "no Identity header"
            : "only Identity headers with unsupported ppt (\(ignored.joined(separator: ", ")))"
        // Nothing was validated either way: `No-TN-Validation`, whether or not the request is rejected.
        guard context.config.identityRequired else {
            return .fails(reason + "; Identity not required", sipStatus: nil, reasonPhrase: nil, verstat: .noValidation)
        }
        var failure = IdentityPolicyFailure.useIdentityHeader(reason, phrase: ignored.isEmpty ? "Use Identity Header" : "Use Supported PASSporT Format")
        failure.verstat = .noValidation
        return .fails(failure)
    }
}

/// The Identity field and its JWS: field syntax, `alg` parameter, three base64url segments,
/// JSON objects, `alg` ES256 (437 "Unsupported Credential" otherwise, `none` included),
/// `typ` "passport", `ppt` equal to the parameter. Otherwise 438 "Invalid Identity Header".
public struct IdentitySyntax: IdentityPolicy {
    public init() {}
    public func evaluate(_ context: inout IdentityVerificationContext) -> IdentityPolicyResult {
        context.decodeHeader().map { .fails($0) } ?? .passes
    }
}

/// The claims: RFC 8225 shapes plus the SHAKEN / RCD rules of the `ppt` (438).
public struct PASSporTSyntax: IdentityPolicy {
    public init() {}
    public func evaluate(_ context: inout IdentityVerificationContext) -> IdentityPolicyResult {
        context.decodeClaims().map { .fails($0) } ?? .passes
    }
}

/// Where the originating identity is taken from in the request (RFC 8224 §8: From, or PAI by policy).
public enum OriginatorSource: Hashable, Sendable {
    /// P-Asserted-Identity when present, else From.
    case assertedIdentityThenFrom
    case from
    case assertedIdentity
}

/// §6.2 step 2: `orig` must name the originator of the request, after TN canonicalisation.
/// A full-form PASSporT's `orig` is never taken as the caller's identity (§6.2.4). 438.
public struct OrigMatchesAssertedIdentity: IdentityPolicy {
    public var source: OriginatorSource
    public init(source: OriginatorSource = .assertedIdentityThenFrom) { self.source = source }

    public func evaluate(_ context: inout IdentityVerificationContext) -> IdentityPolicyResult {
        if let f = context.decodeClaims() { return .fails(f) }
        let orig = context.currentOrig
        let header: KnownHeader
        switch source {
        case .from: header = .from
        case .assertedIdentity: header = .pAssertedIdentity
        case .assertedIdentityThenFrom: header = context.request.contains(.pAssertedIdentity) ? .pAssertedIdentity : .from
        }
        guard let values = context.addressValues(header), !values.isEmpty else {
            return .fails(.invalidIdentityHeader("\(header.name) is missing or malformed; cannot check orig"))
        }
        let uris = values.map(\.uri)
        switch orig {
        case .tn(let tn):
            let claimed = TelephoneNumber.canonical(tn) ?? tn
            let tns = uris.compactMap { TelephoneNumber.canonical($0) }
            guard !tns.isEmpty else {
                return .fails(.invalidIdentityHeader("orig is the TN \(tn) but \(header.name) carries no telephone number"))
            }
            guard tns.contains(claimed) else {
                return .fails(.invalidIdentityHeader("orig TN \(tn) does not match \(header.name) \(tns.joined(separator: ", "))"))
            }
            return .passes
        case .uri(let uri):
            let claimed = TelephoneNumber.addressOfRecord(uri)
            guard uris.map({ TelephoneNumber.addressOfRecord($0) }).contains(claimed) else {
                return .fails(.invalidIdentityHeader("orig URI \(uri) does not match \(header.name)"))
            }
            return .passes
        }
    }
}

/// `dest` must name the target of the request: the To URI or the Request-URI (after
/// retargeting), TNs canonicalised. 438.
public struct DestMatchesRequestTarget: IdentityPolicy {
    /// Also accept a match with the Request-URI (not only To).
    public var acceptRequestURI: Bool
    public init(acceptRequestURI: Bool = true) { self.acceptRequestURI = acceptRequestURI }

    public func evaluate(_ context: inout IdentityVerificationContext) -> IdentityPolicyResult {
        if let f = context.decodeClaims() { return .fails(f) }
        let dest = context.currentDest
        // To first: the Request-URI is parsed only when To does not match.
        let to = context.request.addressValue(.to)?.uri
        if let to, Self.dest(dest, names: to) { return .passes }
        let requestURI = acceptRequestURI ? context.request.requestURI : nil
        if let requestURI, Self.dest(dest, names: requestURI) { return .passes }
        let targets = [to, requestURI].compactMap { $0 }
        guard !targets.isEmpty else { return .fails(.invalidIdentityHeader("To is missing or malformed; cannot check dest")) }
        let seen = targets.map { TelephoneNumber.canonical($0) ?? TelephoneNumber.addressOfRecord($0) }
        let claimed = dest.tn + dest.uri
        return .fails(.invalidIdentityHeader("dest \(claimed.joined(separator: ", ")) does not match the request target \(seen.joined(separator: ", "))"))
    }

    /// Whether `dest` names `target`: a TN equal after canonicalisation, or a URI with the same
    /// address of record. Usually one dest TN against the To TN: compared lazily, no sets.
    static func dest(_ dest: PASSporTDestination, names target: URI) -> Bool {
        if let tn = TelephoneNumber.canonical(target),
           dest.tn.contains(where: { (TelephoneNumber.canonical($0) ?? $0) == tn }) { return true }
        guard !dest.uri.isEmpty else { return false }
        let aor = TelephoneNumber.addressOfRecord(target)
        return dest.uri.contains(where: { TelephoneNumber.addressOfRecord($0) == aor })
    }
}

/// §4.1: the PASSporT `x5u` must equal the Identity `info` URI (simple string comparison);
/// a missing `info` or `x5u` also fails. 436 "Bad Identity Info".
public struct InfoMatchesX5U: IdentityPolicy {
    public init() {}
    public func evaluate(_ context: inout IdentityVerificationContext) -> IdentityPolicyResult {
        let header: PASSporTHeader
        switch context.decodedHeader() {
        case .failure(let f): return .fails(f)
        case .success(let h): header = h
        }
        guard let info = context.currentInfo() else { return .fails(.badIdentityInfo("Identity header has no info parameter")) }
        guard let x5u = header.x5u else { return .fails(.badIdentityInfo("PASSporT header has no x5u")) }
        guard x5u == info else { return .fails(.badIdentityInfo("x5u \(x5u) differs from info \(info)")) }
        return .passes
    }
}

/// §6.2 step 3: the credential named by `info` can be obtained and is trusted:
/// 436 when it cannot be fetched, 437 when untrusted or unsupported.
public struct CredentialAvailable: IdentityPolicy {
    public init() {}
    public func evaluate(_ context: inout IdentityVerificationContext) -> IdentityPolicyResult {
        IdentityPolicyResult(context.credential())
    }
}

/// §6.2 step 4: |now - iat| <= window and, when Date is present, |now - Date| <= window
/// (both directions: a future date is as suspect as an old one). 403 "Stale Date";
/// an unparsable Date gives 400 "Bad Request".
public struct Freshness: IdentityPolicy {
    /// Overrides `config.freshness` when set.
    public var window: Int64?
    public init(window: Int64? = nil) { self.window = window }

    public func evaluate(_ context: inout IdentityVerificationContext) -> IdentityPolicyResult {
        let window = self.window ?? context.config.freshness
        let now = context.now
        if context.request.contains(.date) {
            guard let date = context.request.dateValue else {
                return .fails("Date header does not parse", sipStatus: 400, reasonPhrase: "Bad Request")
            }
            let skew = now - date.secondsSince1970
            if abs(skew) > window {
                return .fails(.staleDate("Date \(date) is \(skew) s from now (window \(window) s)"))
            }
        }
        if let f = context.decodeClaims() { return .fails(f) }
        let iat = context.currentIat
        let age = now - iat
        if abs(age) > window { return .fails(.staleDate("iat \(iat) is \(age) s from now (window \(window) s)")) }
        return .passes
    }
}

/// §6.2 step 5: the ES256 signature over the received header.payload (compact form: over the
/// header and claims rebuilt from the request) verifies with the key
/// for `info` (fetched here if `CredentialAvailable` did not run): 436/437 for the credential,
/// 437 for an unsupported algorithm, 438 for a bad signature or claims.
public struct SignatureValid: IdentityPolicy {
    public init() {}
    public func evaluate(_ context: inout IdentityVerificationContext) -> IdentityPolicyResult {
        if context.passport != nil { return .passes }
        let value: IdentityValue
        switch context.identityValue() {
        case .failure(let f): return .fails(f)
        case .success(let v): value = v
        }
        let key: P256.Signing.PublicKey
        switch context.credential() {
        case .failure(let f): return .fails(f)
        case .success(let k): key = k
        }
        // Full form: the header and claims were decoded once already; only the signature
        // over the received bytes is left to check.
        if !value.isCompactForm, case .success(let (header, claims)) = context.decodedPASSporT(),
           let payloadJSON = context.payloadJSON, let parts = context.jwsParts, let signature = context.signatureBytes {
            do throws(PASSporTError) {
                try ES256.verify(signature: signature, over: parts.signingInput, key: key)
            } catch {
                return .fails(.invalidIdentityHeader(PASSporTRejection(error).description))
            }
            context.passport = VerifiedPASSporT(header: header, claims: claims, headerJSON: header.json,
                                                payloadJSON: payloadJSON, isCompactForm: false)
            return .passes
        }
        var reconstructed: (header: PASSporTHeader, claims: PASSporTClaims)?
        if value.isCompactForm {
            guard case .success(let header) = context.decodedHeader(), case .success(let claims) = context.decodedClaims() else {
                return .fails(.invalidIdentityHeader("compact-form PASSporT could not be rebuilt from the request"))
            }
            reconstructed = (header, claims)
        }
        do throws(PASSporTRejection) {
            context.passport = try PASSporTVerifier().verify(value, key: key, reconstructed: reconstructed)
            return .passes
        } catch {
            if case .unsupportedAlgorithm = error.reason { return .fails(.unsupportedCredential(error.description)) }
            return .fails(.invalidIdentityHeader(error.description))
        }
    }
}

/// SHAKEN `attest` (RFC 8588): a "shaken" PASSporT must carry A, B or C (438 otherwise).
/// With `config.minimumAttestation` set, a weaker level (or no attestation at all) does not
/// reject the request: the verifier still vouches for the signature, but the TN is not
/// validated to the operator's standard, so the verdict is `TN-Validation-Failed` with no SIP
/// status (the call continues and the UE sees the failure). Rejecting would turn every
/// gateway-attested call into a failed call, which SHAKEN does not ask for.
public struct SHAKENAttestation: IdentityPolicy {
    public init() {}
    public func evaluate(_ context: inout IdentityVerificationContext) -> IdentityPolicyResult {
        if let f = context.decodePASSporT() { return .fails(f) }
        let level = context.currentAttest.flatMap(SHAKEN.Attestation.init(rawValue:))
        if context.passportHeader?.ppt == SHAKEN.ppt, level == nil {
            return .fails(.invalidIdentityHeader("SHAKEN PASSporT without a valid attest (A, B or C)"))
        }
        guard let minimum = context.config.minimumAttestation else { return .passes }
        guard let level else {
            return .fails("no SHAKEN attestation; policy requires \(minimum.rawValue) or better", sipStatus: nil, reasonPhrase: nil)
        }
        guard level.strength >= minimum.strength else {
            return .fails("attestation \(level.rawValue) is below the required \(minimum.rawValue)", sipStatus: nil, reasonPhrase: nil)
        }
        return .passes
    }
}

extension SHAKEN.Attestation {
    /// A = 3 (full) > B = 2 (partial) > C = 1 (gateway).
    public var strength: Int {
        switch self {
        case .a: 3
        case .b: 2
        case .c: 1
        }
    }
}

/// RFC 9795 §5.1.5: `jcd` and `jcl` together breach the rcd constraints. The PASSporT still
/// verifies; no rcd claim is used (§8.1), so no name or reason is shown.
public struct RCDConstraints: IdentityPolicy {
    public init() {}
    public func evaluate(_ context: inout IdentityVerificationContext) -> IdentityPolicyResult {
        guard context.decodeClaims() == nil else { return .passes }
        let breaches = RCDRules.constraintBreaches(context.currentRCD)
        guard !breaches.isEmpty else { return .passes }
        context.rcdAuthorised = false
        context.notes.append("rich call data breaks its constraints (" + breaches.map(\.description).joined(separator: "; ")
                             + "): no rcd claim used (RFC 9795 §8.1)")
        return .passes
    }
}

/// RFC 9795 §6, §8.2: every `rcdi` digest is checked against the `rcd` claim and the fetched
/// content (`config.rcdContentStore`). A mismatch or missing content marks that element "not
/// verified" (`rcdVerified == false`, `rcdUnverifiedPointers`) but never fails the request.
/// A URL in `icn`/`jcl` with no `rcdi` entry is likewise not verified.
public struct RCDIntegrity: IdentityPolicy {
    public init() {}
    public func evaluate(_ context: inout IdentityVerificationContext) -> IdentityPolicyResult {
        let claims: PASSporTClaims
        switch context.decodedClaims() {
        case .failure(let f): return .fails(f)
        case .success(let c): claims = c
        }
        guard let rcd = claims.rcd else {
            context.rcdVerified = nil
            return .passes
        }
        let results = verifyRCDI(claims, contentStore: context.config.rcdContentStore)
        var unverified = results.filter { !$0.isVerified }.map(\.pointer)
        let covered = Set((claims.rcdi ?? []).map(\.pointer))
        for (pointer, url) in [("/icn", rcd.icn), ("/jcl", rcd.jcl)] where url != nil && !covered.contains(pointer) {
            unverified.append(pointer)
            context.notes.append("rcd \(pointer) has no rcdi digest: not verified")
        }
        context.rcdResults = results
        context.rcdUnverifiedPointers = unverified
        context.rcdVerified = unverified.isEmpty
        return .passes
    }
}

/// Hook for certificate authorisation (RFC 8226 TNAuthList, RFC 9060 delegation): `covers`
/// answers whether the certificate at `x5u` is authorised for the canonical `orig` TN;
/// nil means no information (e.g. an SPC-only certificate), and the rule is skipped.
/// A `uri` orig is not a TN, so the rule is skipped for it. Refusal: 438 by default.
public struct TNAuthListCoversOrig: IdentityPolicy {
    public var covers: (_ origTN: String, _ x5u: String) -> Bool?
    public var sipStatus: Int
    public var reasonPhrase: String

    public init(sipStatus: Int = 438, reasonPhrase: String = "Invalid Identity Header",
                covers: @escaping (_ origTN: String, _ x5u: String) -> Bool?) {
        self.covers = covers
        self.sipStatus = sipStatus
        self.reasonPhrase = reasonPhrase
    }

    public func evaluate(_ context: inout IdentityVerificationContext) -> IdentityPolicyResult {
        if let f = context.decodePASSporT() { return .fails(f) }
        guard case .tn(let tn) = context.currentOrig else {
            context.notes.append("TNAuthListCoversOrig skipped: orig is not a TN")
            return .passes
        }
        guard let x5u = context.passportHeader?.x5u ?? context.current?.value?.info else {
            return .fails(.badIdentityInfo("no x5u to check TNAuthList against"))
        }
        let canonical = TelephoneNumber.canonical(tn) ?? tn
        switch covers(canonical, x5u) {
        case nil:
            context.notes.append("TNAuthListCoversOrig skipped: no TNAuthList information for \(x5u)")
            return .passes
        case true?:
            return .passes
        case false?:
            return .fails("certificate \(x5u) is not authorised for orig TN \(canonical) (TNAuthList)",
                          sipStatus: sipStatus, reasonPhrase: reasonPhrase)
        }
    }
}
