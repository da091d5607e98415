import Foundation
import Crypto

/// OAuth 2.0 access token claims an NRF issues to an NF consumer (TS 33.501 §13.4.1,
/// TS 29.510 AccessTokenClaims). `aud` is a string or an array on the wire; `scope` is
/// space-separated service names.
public struct AccessTokenClaims: Hashable, Sendable {
    /// NRF instance id.
    public var iss: String
    /// Consumer NF instance id.
    public var sub: String
    /// Producer NF type(s) or instance id(s).
    public var aud: [String]
    /// Whether `aud` was (or is to be) serialised as an array.
    public var audIsArray: Bool
    public var scope: [String]
    public var exp: Int64
    public var iat: Int64?
    /// Token id; when present the producer can refuse a second presentation.
    public var jti: String?

    public init(iss: String, sub: String, aud: [String], audIsArray: Bool = false, scope: [String], exp: Int64,
                iat: Int64? = nil, jti: String? = nil) {
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.audIsArray = audIsArray || aud.count != 1
        self.scope = scope
        self.exp = exp
        self.iat = iat
        self.jti = jti
    }

    public var json: JSONValue {
        var m = [JSONMember("iss", .string(iss)), JSONMember("sub", .string(sub))]
        m.append(JSONMember("aud", audIsArray ? .array(aud.map { .string($0) }) : .string(aud.first ?? "")))
        m.append(JSONMember("scope", .string(scope.joined(separator: " "))))
        m.append(JSONMember("exp", .integer(exp)))
        if let iat { m.append(JSONMember("iat", .integer(iat))) }
        if let jti { m.append(JSONMember("jti", .string(jti))) }
        return .object(m)
    }

    /// Reads the claims; the reason names the first missing or mistyped claim.
    public static func parse(_ json: JSONValue) -> Result<AccessTokenClaims, AccessTokenParseError> {
        func string(_ k: String) -> Result<String, AccessTokenParseError> {
            guard let v = json[k] else { return .failure(.missingClaim(k)) }
            guard let s = v.stringValue else { return .failure(.wrongType(k, expected: "string", found: v.kind)) }
            return .success(s)
        }
        let iss: String, sub: String, scope: String
        switch string("iss") { case .success(let s): iss = s; case .failure(let e): return .failure(e) }
        switch string("sub") { case .success(let s): sub = s; case .failure(let e): return .failure(e) }
        switch string("scope") { case .success(let s): scope = s; case .failure(let e): return .failure(e) }
        guard let audValue = json["aud"] else { return .failure(.missingClaim("aud")) }
        var aud: [String] = []
        var isArray = false
        if let s = audValue.stringValue {
            aud = [s]
        } else if let a = audValue.arrayValue {
            isArray = true
            for v in a {
                guard let s = v.stringValue else { return .failure(.wrongType("aud", expected: "string or array of strings", found: v.kind)) }
                aud.append(s)
            }
        } else {
            return .failure(.wrongType("aud", expected: "string or array of strings", found: audValue.kind))
        }
        guard let expValue = json["exp"] else { return .failure(.missingClaim("exp")) }
        guard let exp = expValue.integerValue else { return .failure(.wrongType("exp", expected: "integer", found: expValue.kind)) }
        var iat: Int64?
        if let v = json["iat"] {
            guard let i = v.integerValue else { return .failure(.wrongType("iat", expected: "integer", found: v.kind)) }
            iat = i
        }
        var jti: String?
        if let v = json["jti"] {
            guard let s = v.stringValue else { return .failure(.wrongType("jti", expected: "string", found: v.kind)) }
            jti = s
        }
        let scopes = scope.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        return .success(AccessTokenClaims(iss: iss, sub: sub, aud: aud, audIsArray: isArray, scope: scopes, exp: exp, iat: iat, jti: jti))
    }
}

public enum AccessTokenParseError: Error, Hashable, Sendable, CustomStringConvertible {
    case missingClaim(String)
    case wrongType(String, expected: String, found: JSONKind)

    public var description: String {
        switch self {
        case .missingClaim(let k): "claim '\(k)' is missing"
        case .wrongType(let k, let e, let f): "claim '\(k)' is \(f), expected \(e)"
        }
    }
}

/// Issuing: a compact JWS, ES256, `typ` JWT (RFC 7519), with the NRF key id in `kid`.
public enum AccessToken {
    public static func sign(_ claims: AccessTokenClaims, key: P256.Signing.PrivateKey, kid: String? = nil) throws(PASSporTSigningError) -> String {
        sign(header: kid.map { .object(["alg": "ES256", "typ": "JWT", "kid": .string($0)]) } ?? .object(["alg": "ES256", "typ": "JWT"]),
             payload: claims.json, key: key)
    }

    /// Signs any header and payload (tests and attackers forge with this: `alg` none, odd claims).
    public static func sign(header: JSONValue, payload: JSONValue, key: P256.Signing.PrivateKey) -> String {
        let input = Base64URL.encode(header.canonicalBytes) + "." + Base64URL.encode(payload.canonicalBytes)
        let sig = (try? ES256.sign(Array(input.utf8), key: key)) ?? []
        return input + "." + Base64URL.encode(sig)
    }
}

/// Which producer checks are on. Every switch off is a named misconfiguration.
public struct AccessTokenPolicy: Hashable, Sendable {
    public var checkSignature: Bool
    public var checkAudience: Bool
    public var checkScope: Bool
    public var checkExpiry: Bool
    /// The token's `sub` must be the NF instance id of the mTLS peer.
    public var bindSubjectToClient: Bool
    /// Refuse a `jti` already accepted while the token is valid.
    public var rejectReplay: Bool
    /// 401 or 403 for a token issued for another NF (DOMAIN §8 #40: either is seen).
    public var wrongAudienceStatus: Int

    public init(checkSignature: Bool = true, checkAudience: Bool = true, checkScope: Bool = true, checkExpiry: Bool = true,
                bindSubjectToClient: Bool = true, rejectReplay: Bool = true, wrongAudienceStatus: Int = 401) {
        self.checkSignature = checkSignature
        self.checkAudience = checkAudience
        self.checkScope = checkScope
        self.checkExpiry = checkExpiry
        self.bindSubjectToClient = bindSubjectToClient
        self.rejectReplay = rejectReplay
        self.wrongAudienceStatus = wrongAudienceStatus
    }
}

/// The producer's decision on one request: accepted, or the RFC 6750 status and error.
public struct AccessTokenVerdict: Hashable, Sendable, CustomStringConvertible {
    public enum Outcome: String, Hashable, Sendable, CaseIterable {
        case accepted
        case missingToken = "missing-token"
        case malformedToken = "malformed-token"
        case untrustedIssuer = "untrusted-issuer"
        case badSignature = "bad-signature"
        case expired
        case wrongAudience = "wrong-audience"
        case insufficientScope = "insufficient-scope"
        case subjectMismatch = "subject-mismatch"
        case replayed
    }

    public var outcome: Outcome
    /// 200 when accepted; else 401 or 403.
    public var status: Int
    /// RFC 6750 §3.1 error code (`invalid_request`, `invalid_token`, `insufficient_scope`); nil when accepted.
    public var error: String?
    public var reason: String
    /// The claims, once the token parsed (also for rejected tokens: evidence).
    public var claims: AccessTokenClaims?

    public init(outcome: Outcome, status: Int, error: String?, reason: String, claims: AccessTokenClaims?) {
        self.outcome = outcome
        self.status = status
        self.error = error
        self.reason = reason
        self.claims = claims
    }

    public var accepted: Bool { outcome == .accepted }

    /// `WWW-Authenticate` value for a rejection.
    public var wwwAuthenticate: String? {
        guard let error else { return nil }
        let d = reason.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "Bearer error=\"\(error)\", error_description=\"\(d)\""
    }

    public var description: String { accepted ? "accepted (\(reason))" : "\(status) \(error ?? "") \(outcome.rawValue): \(reason)" }

    static func reject(_ o: Outcome, _ status: Int, _ error: String, _ reason: String, _ c: AccessTokenClaims? = nil) -> AccessTokenVerdict {
        AccessTokenVerdict(outcome: o, status: status, error: error, reason: reason, claims: c)
    }
}

/// Producer-side token check (TS 33.501 §13.4.1.1.2): signature with a trusted NRF key,
/// expiry, audience, scope, then the binding to the mTLS client and replay. Time is injected.
public struct AccessTokenVerifier {
    /// NRF instance id (`iss`) -> its public key.
    public var trustedIssuers: [String: P256.Signing.PublicKey]
    /// What this producer answers to in `aud`: its NF type and instance id.
    public var audiences: Set<String>
    public var policy: AccessTokenPolicy
    /// Accepted `jti` -> its `exp`; entries past `exp` are forgotten.
    public private(set) var seenTokenIDs: [String: Int64] = [:]

    public init(trustedIssuers: [String: P256.Signing.PublicKey], audiences: Set<String>, policy: AccessTokenPolicy = AccessTokenPolicy()) {
        self.trustedIssuers = trustedIssuers
        self.audiences = audiences
        self.policy = policy
    }

    /// Extracts the token from an `Authorization` value (`Bearer <token>`, scheme case-insensitive).
    public static func bearerToken(_ authorization: String?) -> String? {
        guard let a = authorization?.trimmingCharacters(in: .whitespaces), a.count > 7,
              a.prefix(7).lowercased() == "bearer " else { return nil }
        let t = a.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return t.isEmpty ? nil : t
    }

    /// Checks the request's `Authorization` for `service` at unix time `now`. `tlsClientIdentity`
    /// is the NF instance id in the mTLS peer certificate (nil: not known, binding not checked).
    public mutating func verify(authorization: String?, service: String, tlsClientIdentity: String?, now: Int64) -> AccessTokenVerdict {
        guard let token = Self.bearerToken(authorization) else {
            // RFC 6750 §3.1: no credentials at all gets no error code; a malformed header is invalid_request.
            return authorization == nil
                ? AccessTokenVerdict(outcome: .missingToken, status: 401, error: "invalid_token", reason: "no Bearer access token", claims: nil)
                : .reject(.missingToken, 401, "invalid_request", "Authorization is not a Bearer token")
        }
        let parts: JWSParts
        let header: JSONValue, payload: JSONValue
        do {
            parts = try JWSParts(token)
            guard !parts.isCompactForm else { return .reject(.malformedToken, 401, "invalid_token", "token has no header or payload") }
            header = try parts.decodedHeader()
            payload = try parts.decodedPayload()
        } catch {
            return .reject(.malformedToken, 401, "invalid_token", "malformed JWT: \(error)")
        }
        let claims: AccessTokenClaims
        switch AccessTokenClaims.parse(payload) {
        case .failure(let e): return .reject(.malformedToken, 401, "invalid_token", "malformed claims: \(e)")
        case .success(let c): claims = c
        }
        if policy.checkSignature {
            guard let key = trustedIssuers[claims.iss] else {
                return .reject(.untrustedIssuer, 401, "invalid_token", "issuer '\(claims.iss)' is not a trusted NRF", claims)
            }
            do {
                try PASSporTVerifier.checkAlgorithm(header)
                try ES256.verify(signature: try parts.decodedSignature(), over: parts.signingInput, key: key)
            } catch {
                return .reject(.badSignature, 401, "invalid_token", "signature does not verify with the key of '\(claims.iss)': \(error)", claims)
            }
        }
        if policy.checkExpiry, now >= claims.exp {
            return .reject(.expired, 401, "invalid_token", "token expired at \(claims.exp) (now \(now))", claims)
        }
        if policy.checkAudience, !claims.aud.contains(where: audiences.contains) {
            let status = policy.wrongAudienceStatus == 403 ? 403 : 401
            return .reject(.wrongAudience, status, "invalid_token",
                           "aud \(claims.aud) names none of \(audiences.sorted())", claims)
        }
        if policy.checkScope, !claims.scope.contains(service) {
            return .reject(.insufficientScope, 403, "insufficient_scope", "scope '\(claims.scope.joined(separator: " "))' lacks '\(service)'", claims)
        }
        if policy.bindSubjectToClient, let peer = tlsClientIdentity, peer != claims.sub {
            return .reject(.subjectMismatch, 403, "invalid_token", "token subject '\(claims.sub)' is not the TLS client '\(peer)'", claims)
        }
        if let jti = claims.jti, policy.rejectReplay {
            seenTokenIDs = seenTokenIDs.filter { $0.value > now }
            if seenTokenIDs[jti] != nil {
                return .reject(.replayed, 401, "invalid_token", "token id '\(jti)' was already used", claims)
            }
            seenTokenIDs[jti] = claims.exp
        }
        return AccessTokenVerdict(outcome: .accepted, status: 200, error: nil, reason: "token of '\(claims.sub)' for '\(service)'", claims: claims)
    }
}
