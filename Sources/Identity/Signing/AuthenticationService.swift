import Crypto
import SIPCore

/// Where "now" comes from, in seconds since 1970. Injected so that a simulated network's
/// virtual clock, a live run's real clock and a test's fixed time all drive the same code.
public protocol IdentityClock {
    func secondsSince1970() -> Int64
}

/// A clock that always reads the same time (tests, `--iat`).
public struct FixedClock: IdentityClock, Hashable, Sendable {
    public var now: Int64
    public init(_ now: Int64) { self.now = now }
    public func secondsSince1970() -> Int64 { now }
}

/// A clock read through a closure (a simulated network's virtual clock).
public struct ClosureClock: IdentityClock {
    let body: () -> Int64
    public init(_ body: @escaping () -> Int64) { self.body = body }
    public func secondsSince1970() -> Int64 { body() }
}

/// Why the authentication service declined to sign a request.
public enum AuthenticationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No P-Asserted-Identity / From to take `orig` from.
    case noOriginator(String)
    /// No To to take `dest` from.
    case noDestination(String)
    /// RFC 8224 §6.1: the AS must not sign a request whose Date is outside its freshness window.
    case staleDate(skew: Int64, window: Int64)
    /// TR 33.890 KI#1 solution 1: the served user's subscription does not list the TN/name.
    case unauthorisedThirdPartyIdentity(ThirdPartyAuthorisations.Decision)
    case signing(PASSporTSigningError)

    public var description: String {
        switch self {
        case .noOriginator(let m): "cannot sign: \(m)"
        case .noDestination(let m): "cannot sign: \(m)"
        case .staleDate(let skew, let window): "cannot sign: Date is \(skew) s from now (window \(window) s)"
        case .unauthorisedThirdPartyIdentity(let d): "cannot sign third-party identity: \(d)"
        case .signing(let e): e.description
        }
    }

    /// The response an AS in a SIP path sends instead of forwarding (403 for an identity it
    /// will not vouch for, 500 for an internal signing failure).
    public var sipStatus: Int {
        switch self {
        case .signing: 500
        case .staleDate: 403
        default: 403
        }
    }
}

/// What to assert for one call beyond what the request itself says.
public struct AuthenticationOptions: Hashable, Sendable {
    public var ppt: String?
    public var attest: SHAKEN.Attestation?
    public var origid: String?
    /// Rich Call Data to sign (RFC 9795); with `ThirdPartyAuthorisations` the name must be authorised.
    public var rcd: RichCallData?
    public var crn: String?
    /// rcdi pointers to digest (`/icn`, `/jcd`, ...), over `contentStore` for URL content.
    public var rcdiPointers: [String]
    public var contentStore: [String: [UInt8]]
    /// Compact form (`..signature`), only for PASSporTs without `ppt` (RFC 8588 §3).
    public var compact: Bool

    public init(ppt: String? = SHAKEN.ppt, attest: SHAKEN.Attestation? = .a, origid: String? = nil,
                rcd: RichCallData? = nil, crn: String? = nil, rcdiPointers: [String] = [],
                contentStore: [String: [UInt8]] = [:], compact: Bool = false) {
        self.ppt = ppt
        self.attest = attest
        self.origid = origid
        self.rcd = rcd
        self.crn = crn
        self.rcdiPointers = rcdiPointers
        self.contentStore = contentStore
        self.compact = compact
    }
}

/// An STI-AS (RFC 8224 §4.1, §6.1): builds the PASSporT for a request from its SIP headers,
/// signs it and adds the Identity header. `orig` comes from P-Asserted-Identity (else From),
/// `dest` from To, `iat` from Date (a Date is added when missing, so that the two agree).
public struct AuthenticationService {
    public var signer: PASSporTSigner
    public var clock: any IdentityClock
    /// RFC 8224 §6.1 (60 s recommended).
    public var freshness: Int64
    /// Solution 1: the operator signs third-party identities only as its subscribers' table allows.
    public var authorisations: ThirdPartyAuthorisations?

    public init(signer: PASSporTSigner, clock: any IdentityClock, freshness: Int64 = 60,
                authorisations: ThirdPartyAuthorisations? = nil) {
        self.signer = signer
        self.clock = clock
        self.freshness = freshness
        self.authorisations = authorisations
    }

    /// The claims this service would sign for `request` (no signature yet).
    /// `servedUser` is whose subscription the third-party table is checked against; it
    /// defaults to the asserted identity.
    public func claims(for request: SIPMessage, options: AuthenticationOptions = AuthenticationOptions(),
                       servedUser: String? = nil) throws(AuthenticationError) -> PASSporTClaims {
        let now = clock.secondsSince1970()
        var iat = now
        if let date = request.dateValue {
            let skew = now - date.secondsSince1970
            guard abs(skew) <= freshness else { throw .staleDate(skew: skew, window: freshness) }
            iat = date.secondsSince1970
        }
        let origHeader: KnownHeader = request.contains(.pAssertedIdentity) ? .pAssertedIdentity : .from
        let origURIs = ((try? request.addressValues(origHeader)) ?? []).map(\.uri)
        guard let first = origURIs.first else { throw .noOriginator("\(origHeader.name) is missing or malformed") }
        let origTN = origURIs.lazy.compactMap { TelephoneNumber.canonical($0) }.first
        let orig: PASSporTOriginator = origTN.map { .tn($0) } ?? .uri(TelephoneNumber.addressOfRecord(first))
        guard let to = request.addressValue(.to) else { throw .noDestination("To is missing or malformed") }
        let dest = TelephoneNumber.canonical(to.uri).map { PASSporTDestination(tn: [$0]) }
            ?? PASSporTDestination(uri: [TelephoneNumber.addressOfRecord(to.uri)])

        if let authorisations, let origTN, options.rcd != nil || options.crn != nil {
            let subscriber = servedUser ?? TelephoneNumber.addressOfRecord(first)
            let decision = authorisations.decide(subscriber: subscriber, tn: origTN, name: options.rcd?.nam)
            guard decision.isAuthorised else { throw .unauthorisedThirdPartyIdentity(decision) }
        }
        var rcdi: [RCDIEntry]?
        if let rcd = options.rcd, !options.rcdiPointers.isEmpty {
            switch makeRCDI(rcd: rcd, pointers: options.rcdiPointers, contentStore: options.contentStore) {
            case .success(let entries): rcdi = entries
            case .failure(let r): throw .signing(.crypto("rcdi \(r.pointer): \(r.status)"))
            }
        }
        let isShaken = options.ppt == SHAKEN.ppt
        return PASSporTClaims(orig: orig, dest: dest, iat: iat,
                              attest: isShaken ? options.attest?.rawValue : nil,
                              origid: isShaken ? (options.origid ?? Self.origid(for: request)) : nil,
                              rcd: options.rcd, crn: options.crn, rcdi: rcdi)
    }

    /// A per-call origid when the caller gives none: a version-8 UUID (RFC 9562) from
    /// SHA-256 of the Call-ID, so that a run is reproducible and each call gets its own.
    public static func origid(for request: SIPMessage) -> String {
        var bytes = Array(SHA256.hash(data: Array((request.value(.callID) ?? "").utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        let i = hex.startIndex
        func slice(_ a: Int, _ b: Int) -> Substring { hex[hex.index(i, offsetBy: a)..<hex.index(i, offsetBy: b)] }
        return "\(slice(0, 8))-\(slice(8, 12))-\(slice(12, 16))-\(slice(16, 20))-\(slice(20, 32))"
    }

    /// Signs `request` and adds its Identity header (and a Date header when it had none).
    @discardableResult
    public func sign(_ request: inout SIPMessage, options: AuthenticationOptions = AuthenticationOptions(),
                     servedUser: String? = nil) throws(AuthenticationError) -> IdentityValue {
        let claims = try claims(for: request, options: options, servedUser: servedUser)
        let identity: IdentityValue
        do throws(PASSporTSigningError) {
            identity = try signer.identity(claims: claims, ppt: options.ppt, compact: options.compact && options.ppt == nil)
        } catch {
            throw .signing(error)
        }
        if !request.contains(.date) {
            request.addHeader("Date", SIPDate(secondsSince1970: claims.iat).description)
        }
        request.addHeader("Identity", identity.description)
        return identity
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
