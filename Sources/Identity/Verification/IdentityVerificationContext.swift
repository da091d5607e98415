import Crypto
import SIPCore

/// Settings of a verification service.
public struct IdentityVerificationConfig: Hashable, Sendable {
    /// Maximum |now - iat| and |now - Date|, seconds (RFC 8224 §6.2 step 4 recommends 60).
    public var freshness: Int64
    /// A request without a usable Identity header is rejected with 428 (else it continues
    /// with `No-TN-Validation`).
    public var identityRequired: Bool
    /// When set, a PASSporT whose SHAKEN `attest` is weaker (A > B > C) gives
    /// `TN-Validation-Failed` without rejecting the request (see `SHAKENAttestation`).
    public var minimumAttestation: SHAKEN.Attestation?
    /// Bodies of URLs referenced by `rcd` (`icn`, `jcl`), keyed by URL: what the VS fetched.
    public var rcdContentStore: [String: [UInt8]]
    /// `ppt` values this VS understands. A PASSporT without `ppt` is always understood;
    /// headers with any other `ppt` are ignored (RFC 8224 §6.2 step 1).
    public var supportedPPTs: Set<String>

    public init(freshness: Int64 = 60, identityRequired: Bool = true, minimumAttestation: SHAKEN.Attestation? = nil,
                rcdContentStore: [String: [UInt8]] = [:], supportedPPTs: Set<String> = [SHAKEN.ppt, RCDRules.ppt]) {
        self.freshness = freshness
        self.identityRequired = identityRequired
        self.minimumAttestation = minimumAttestation
        self.rcdContentStore = rcdContentStore
        self.supportedPPTs = supportedPPTs
    }
}

/// Why a credential could not be used. `cannotFetch` maps to 436, the others to 437.
public enum IdentityKeyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The `info`/`x5u` URL could not be dereferenced (436 Bad Identity Info).
    case cannotFetch(String)
    /// The certificate chains to no trusted anchor, or is outside its validity (437).
    case untrusted(String)
    /// The credential is of a kind this VS does not support (437).
    case unsupported(String)

    public var description: String {
        switch self {
        case .cannotFetch(let m): "cannot fetch the credential: \(m)"
        case .untrusted(let m): "untrusted credential: \(m)"
        case .unsupported(let m): "unsupported credential: \(m)"
        }
    }

    var failure: IdentityPolicyFailure {
        switch self {
        case .cannotFetch: .badIdentityInfo(description)
        case .untrusted, .unsupported: .unsupportedCredential(description)
        }
    }
}

/// Gives the P-256 public key that signs for an `info`/`x5u` URL, as of `now`. No I/O is
/// implied: a simulated network pre-loads the keys, a live one may fetch and cache.
public protocol IdentityKeyProvider {
    func publicKey(for url: String, now: Int64) throws(IdentityKeyError) -> P256.Signing.PublicKey
}

/// A key provider from a closure.
public struct ClosureKeyProvider: IdentityKeyProvider {
    let body: (String, Int64) -> Result<P256.Signing.PublicKey, IdentityKeyError>

    public init(_ body: @escaping (_ url: String, _ now: Int64) -> Result<P256.Signing.PublicKey, IdentityKeyError>) {
        self.body = body
    }

    public func publicKey(for url: String, now: Int64) throws(IdentityKeyError) -> P256.Signing.PublicKey {
        try body(url, now).get()
    }
}

/// A fixed table of URL -> key; unknown URLs cannot be fetched, `untrusted` ones give 437.
public struct StaticKeyProvider: IdentityKeyProvider {
    public var keys: [String: P256.Signing.PublicKey]
    public var untrusted: Set<String>

    public init(_ keys: [String: P256.Signing.PublicKey], untrusted: Set<String> = []) {
        self.keys = keys
        self.untrusted = untrusted
    }

    public func publicKey(for url: String, now: Int64) throws(IdentityKeyError) -> P256.Signing.PublicKey {
        if untrusted.contains(url) { throw .untrusted("\(url) does not chain to a trusted anchor") }
        guard let key = keys[url] else { throw .cannotFetch("no certificate at \(url)") }
        return key
    }
}

/// One Identity header field of the request: its text and, when it parses, its value.
public struct IdentityHeaderEntry: Hashable, Sendable {
    /// Position among the request's Identity fields (0-based).
    public var index: Int
    public var raw: String
    public var value: IdentityValue?
    /// Why `raw` did not parse.
    public var parseError: String?
}

/// Everything a policy may look at: the request, the injected time, the configuration, the
/// key lookup, and what earlier policies found out about the Identity header in hand.
public struct IdentityVerificationContext {
    public var request: SIPMessage {
        didSet { parsedAddresses = [] }
    }
    /// `try? request.addressValues(header)` for each header a rule has asked `addressValues`
    /// for: the identity rules and the verstat marking after them parse each header once.
    public private(set) var parsedAddresses: [(header: KnownHeader, values: [AddressValue]?)] = []
    /// Verification time, seconds since 1970 (injected; nothing reads the wall clock).
    public var now: Int64
    public var config: IdentityVerificationConfig
    public var keyProvider: any IdentityKeyProvider

    /// Every Identity field of the request, in order.
    public internal(set) var identityHeaders: [IdentityHeaderEntry]
    /// Indices into `identityHeaders` still to evaluate; `.request` policies narrow it.
    public var candidates: [Int]
    /// The payload of each full-form JWS decoded so far, with its text: a later reader of the
    /// same JWS (the STI-VS's `mky` check) takes the payload from here instead of decoding it.
    public private(set) var decodedPayloads: [(jws: String, payload: JSONValue)] = []

    // Per-header state, reset for each candidate.
    /// The Identity header being evaluated (nil while `.request` policies run).
    public internal(set) var current: IdentityHeaderEntry?
    /// `current?.value?.info`, once read (a read scans the parameters and copies the URL out).
    private var currentInfoRead: String??
    /// The PASSporT header, decoded but not yet verified.
    public var passportHeader: PASSporTHeader?
    /// The payload JSON as received, decoded but not yet verified.
    public var payloadJSON: JSONValue?
    /// The received JWS split into its segments, and its raw R‖S signature (full form only).
    var jwsParts: JWSParts?
    var signatureBytes: [UInt8]?
    /// Claims decoded from `payloadJSON`, not yet verified.
    public var claims: PASSporTClaims?
    /// The key for `info`, once fetched.
    public var publicKey: P256.Signing.PublicKey?
    /// Set once the signature verified (`SignatureValid`).
    public var passport: VerifiedPASSporT?
    /// `rcdi` results (`RCDIntegrity`).
    public var rcdResults: [RCDIResult] = []
    /// nil: no rcd to verify; true: every rcdi entry verified; false: at least one element not verified.
    public var rcdVerified: Bool?
    /// Pointers (into rcd) whose content is not verified.
    public var rcdUnverifiedPointers: [String] = []
    /// nil: no RCD or not checked; false: the RCD claims must not be shown (`RCDAuthorised`).
    public var rcdAuthorised: Bool?
    /// Things worth reporting that did not fail the request (skipped checks, ignored headers).
    public var notes: [String] = []

    public init(request: SIPMessage, now: Int64, config: IdentityVerificationConfig = IdentityVerificationConfig(),
                keyProvider: any IdentityKeyProvider) {
        self.request = request
        self.now = now
        self.config = config
        self.keyProvider = keyProvider
        var entries: [IdentityHeaderEntry] = []
        for (i, raw) in request.values(.identity).enumerated() {
            do throws(HeaderSyntaxError) {
                entries.append(IdentityHeaderEntry(index: i, raw: raw, value: try IdentityValue(parsing: raw), parseError: nil))
            } catch {
                entries.append(IdentityHeaderEntry(index: i, raw: raw, value: nil, parseError: error.rule))
            }
        }
        self.identityHeaders = entries
        self.candidates = Array(entries.indices)
    }

    /// Every address of `header` in the request (nil when a field is malformed), parsed on
    /// first use and kept in `parsedAddresses`.
    public mutating func addressValues(_ header: KnownHeader) -> [AddressValue]? {
        if let known = parsedAddresses.first(where: { $0.header == header }) { return known.values }
        let values = try? request.addressValues(header)
        parsedAddresses.append((header, values))
        return values
    }

    /// `request.addressValue(header)`, the first field's address, for a header that is not a
    /// list: taken from `addressValues(header)`, so a later reader (the verstat marking) does
    /// not parse it again. A field of such a header holds exactly one address, so the first
    /// of them all is the first field's; when some field is malformed, the first is read alone.
    public mutating func firstAddress(_ header: KnownHeader) -> AddressValue? {
        guard !header.isList, let values = addressValues(header) else { return request.addressValue(header) }
        return values.first
    }

    /// Starts the per-header phase for `identityHeaders[index]`.
    mutating func select(_ index: Int?) {
        current = index.map { identityHeaders[$0] }
        currentInfoRead = nil
        passportHeader = nil
        payloadJSON = nil
        jwsParts = nil
        signatureBytes = nil
        claims = nil
        publicKey = nil
        passport = nil
        rcdResults = []
        rcdVerified = nil
        rcdUnverifiedPointers = []
        rcdAuthorised = nil
    }

    /// The `ppt` an Identity header declares: its parameter, or (when absent) the JWS header's.
    static func declaredPPT(_ entry: IdentityHeaderEntry) -> String? {
        guard let value = entry.value else { return nil }
        if let ppt = value.ppt { return ppt }
        guard !value.isCompactForm, let parts = try? JWSParts(value.jws), let header = try? parts.decodedHeader() else { return nil }
        return header["ppt"]?.stringValue
    }

    // MARK: Lazily decoded state (shared by the policies)

    /// The current header's parsed value, or the 438 for a field that does not parse.
    public func identityValue() -> Result<IdentityValue, IdentityPolicyFailure> {
        guard let current else { return .failure(.invalidIdentityHeader("no Identity header is being evaluated")) }
        guard let value = current.value else {
            return .failure(.invalidIdentityHeader("Identity header \(current.index + 1) does not parse: \(current.parseError ?? "syntax error")"))
        }
        return .success(value)
    }

    /// The `info` parameter of the current Identity header (read once per header).
    mutating func currentInfo() -> String? {
        if let read = currentInfoRead { return read }
        let info = current?.value?.info
        currentInfoRead = .some(info)
        return info
    }

    /// Decodes the JWS header and payload of the current Identity header (no signature check):
    /// 437 for an algorithm other than ES256, 438 for anything malformed.
    public mutating func decodedHeader() -> Result<PASSporTHeader, IdentityPolicyFailure> {
        if let passportHeader { return .success(passportHeader) }
        let value: IdentityValue
        switch identityValue() {
        case .failure(let f): return .failure(f)
        case .success(let v): value = v
        }
        // RFC 8224 §4: an absent alg parameter means ES256.
        if let alg = value.alg, alg != ES256.name {
            return .failure(.unsupportedCredential("Identity alg parameter \"\(alg)\" is not ES256"))
        }
        if value.isCompactForm { return rebuildCompactForm(value) }
        let headerJSON: JSONValue
        let payload: JSONValue
        let header: PASSporTHeader
        let parts: JWSParts
        let signature: [UInt8]
        do throws(PASSporTError) {
            parts = try JWSParts(value.jws)
            headerJSON = try parts.decodedHeader()
            try PASSporTVerifier.checkAlgorithm(headerJSON)
            header = try PASSporTHeader.parse(headerJSON)
            guard header.typ == "passport" else { throw .wrongType(header.typ) }
            guard header.ppt == value.ppt else { throw .pptMismatch(expected: value.ppt, found: header.ppt) }
            signature = try parts.decodedSignature()
            payload = try parts.decodedPayload()
        } catch {
            if case .unsupportedAlgorithm = error { return .failure(.unsupportedCredential(error.description)) }
            return .failure(.invalidIdentityHeader(error.description))
        }
        passportHeader = header
        payloadJSON = payload
        decodedPayloads.append((value.jws, payload))
        jwsParts = parts
        signatureBytes = signature
        return .success(header)
    }

    /// Compact form (RFC 8224 §5.2, RFC 8225 §7): header and claims are rebuilt from the
    /// request. Only a base PASSporT (no `ppt`) can be: SHAKEN does not define compact form
    /// (RFC 8588 §3) and its `attest`/`origid` have no SIP source. `orig` comes from
    /// P-Asserted-Identity (else From), `dest` from To, `iat` from Date (required).
    mutating func rebuildCompactForm(_ value: IdentityValue) -> Result<PASSporTHeader, IdentityPolicyFailure> {
        if let ppt = value.ppt {
            return .failure(.invalidIdentityHeader("compact-form PASSporT with ppt \"\(ppt)\" cannot be rebuilt from the request"))
        }
        guard let info = value.info else { return .failure(.badIdentityInfo("Identity header has no info parameter")) }
        guard let date = request.dateValue else {
            return .failure(.invalidIdentityHeader("compact-form PASSporT needs a Date header to rebuild iat"))
        }
        let origHeader: KnownHeader = request.contains(.pAssertedIdentity) ? .pAssertedIdentity : .from
        let origURIs = (addressValues(origHeader) ?? []).map(\.uri)
        guard let firstOrig = origURIs.first else {
            return .failure(.invalidIdentityHeader("\(origHeader.name) is missing or malformed; cannot rebuild orig"))
        }
        let orig: PASSporTOriginator = origURIs.lazy.compactMap { TelephoneNumber.canonical($0) }.first.map { .tn($0) }
            ?? .uri(TelephoneNumber.addressOfRecord(firstOrig))
        guard let to = request.addressValue(.to) else {
            return .failure(.invalidIdentityHeader("To is missing or malformed; cannot rebuild dest"))
        }
        let dest = TelephoneNumber.canonical(to.uri).map { PASSporTDestination(tn: [$0]) }
            ?? PASSporTDestination(uri: [TelephoneNumber.addressOfRecord(to.uri)])
        let header = PASSporTHeader(ppt: nil, x5u: info)
        let rebuilt = PASSporTClaims(orig: orig, dest: dest, iat: date.secondsSince1970)
        passportHeader = header
        payloadJSON = rebuilt.json
        claims = rebuilt
        return .success(header)
    }

    /// The claims of the current PASSporT (after the signature check, the verified ones),
    /// or the 438 for claims that break RFC 8225 / 8588 / 9795 rules.
    public mutating func decodedClaims() -> Result<PASSporTClaims, IdentityPolicyFailure> {
        // Only the claims are copied out (binding the whole verified PASSporT copied its JSON too).
        if let verified = passport?.claims { return .success(verified) }
        if let claims { return .success(claims) }
        let header: PASSporTHeader
        switch decodedHeader() {
        case .failure(let f): return .failure(f)
        case .success(let h): header = h
        }
        guard let payloadJSON else { return .failure(.invalidIdentityHeader("PASSporT payload missing")) }
        switch PASSporTClaims.parse(payloadJSON, ppt: header.ppt) {
        case .failure(let r): return .failure(.invalidIdentityHeader("invalid PASSporT claims: \(r.description)"))
        case .success(let c):
            claims = c
            return .success(c)
        }
    }

    // The standard policies read the decoded state in place: a `decodedClaims()` result is a
    // copy of every claim, and most rules read one or two.

    /// `decodedHeader()`'s failure, or nil once `passportHeader` is set.
    mutating func decodeHeader() -> IdentityPolicyFailure? {
        if passportHeader?.alg != nil { return nil }
        if case .failure(let f) = decodedHeader() { return f }
        return nil
    }

    /// `decodedClaims()`'s failure, or nil once the current claims (`orig`, `dest`, ...) can be read.
    mutating func decodeClaims() -> IdentityPolicyFailure? {
        // Tested through a field: comparing the optionals themselves with nil copied them.
        if passport?.isCompactForm != nil || claims?.iat != nil { return nil }
        if case .failure(let f) = decodedClaims() { return f }
        return nil
    }

    /// `decodedPASSporT()`'s failure, or nil once `passportHeader` and the current claims can be read.
    mutating func decodePASSporT() -> IdentityPolicyFailure? {
        decodeHeader() ?? decodeClaims()
    }

    // A claim of what `decodedClaims()` gives after `decodeClaims()` returned nil (the
    // verified claims once there are some): only that claim is copied.
    var currentOrig: PASSporTOriginator { passport?.claims.orig ?? claims!.orig }
    var currentDest: PASSporTDestination { passport?.claims.dest ?? claims!.dest }
    var currentIat: Int64 { passport?.claims.iat ?? claims!.iat }
    var currentAttest: String? { passport?.isCompactForm != nil ? passport?.claims.attest ?? nil : claims!.attest }
    var currentRCD: RichCallData? { passport?.isCompactForm != nil ? passport?.claims.rcd ?? nil : claims!.rcd }

    /// Header and claims together, for rules that need both.
    public mutating func decodedPASSporT() -> Result<(PASSporTHeader, PASSporTClaims), IdentityPolicyFailure> {
        decodedHeader().flatMap { header in decodedClaims().map { (header, $0) } }
    }

    /// The key for the current header's `info` URL (fetched once): 436 when it cannot be
    /// fetched or `info` is missing, 437 when untrusted or unsupported.
    public mutating func credential() -> Result<P256.Signing.PublicKey, IdentityPolicyFailure> {
        if let publicKey { return .success(publicKey) }
        if case .failure(let f) = identityValue() { return .failure(f) }
        guard let info = currentInfo() else { return .failure(.badIdentityInfo("Identity header has no info parameter")) }
        do throws(IdentityKeyError) {
            let key = try keyProvider.publicKey(for: info, now: now)
            publicKey = key
            return .success(key)
        } catch {
            return .failure(error.failure)
        }
    }
}
