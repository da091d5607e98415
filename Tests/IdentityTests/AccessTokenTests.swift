import Crypto
import Testing
@testable import Identity

/// Producer-side OAuth 2.0 access token checks (TS 33.501 §13.4.1; DOMAIN §8 #39–#41).
struct AccessTokenTests {
    static func key(_ b: UInt8) -> P256.Signing.PrivateKey {
        // Deterministic: a fixed 32-byte scalar.
        try! P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: b, count: 31) + [1])
    }
    let nrf = Self.key(0x11)
    let rogue = Self.key(0x22)
    let now: Int64 = 1_799_913_600

    func claims(aud: [String] = ["DCSF"], scope: [String] = ["nimsas-sec"], exp: Int64? = nil, sub: String = "as-1",
                jti: String? = nil) -> AccessTokenClaims {
        AccessTokenClaims(iss: "nrf-1", sub: sub, aud: aud, scope: scope, exp: exp ?? now + 600, iat: now, jti: jti)
    }

    func verifier(_ p: AccessTokenPolicy = AccessTokenPolicy()) -> AccessTokenVerifier {
        AccessTokenVerifier(trustedIssuers: ["nrf-1": nrf.publicKey], audiences: ["DCSF", "dcsf-1"], policy: p)
    }

    func bearer(_ c: AccessTokenClaims, key: P256.Signing.PrivateKey? = nil) throws -> String {
        "Bearer " + (try AccessToken.sign(c, key: key ?? nrf, kid: "nrf-key"))
    }

    @Test func claimsRoundTripStringAndArrayAudience() throws {
        for aud in [["DCSF"], ["DCSF", "MF"]] {
            let c = claims(aud: aud, scope: ["a", "b"], jti: "t1")
            let parsed = try AccessTokenClaims.parse(c.json).get()
            #expect(parsed == c)
        }
        #expect(claims().json["aud"] == .string("DCSF"))
        #expect(claims(aud: ["DCSF", "MF"]).json["aud"] == .array(["DCSF", "MF"]))
        #expect(claims(scope: ["a", "b"]).json["scope"] == .string("a b"))
        #expect(throws: AccessTokenParseError.missingClaim("exp")) {
            try AccessTokenClaims.parse(.object(["iss": "n", "sub": "s", "aud": "a", "scope": "x"])).get()
        }
        #expect(throws: AccessTokenParseError.wrongType("aud", expected: "string or array of strings", found: .integer)) {
            try AccessTokenClaims.parse(.object(["iss": "n", "sub": "s", "aud": 3, "scope": "x", "exp": 1])).get()
        }
    }

    @Test func validTokenAccepted() throws {
        var v = verifier()
        let r = v.verify(authorization: try bearer(claims()), service: "nimsas-sec", tlsClientIdentity: "as-1", now: now)
        #expect(r.accepted, "\(r)")
        #expect(r.status == 200 && r.error == nil && r.wwwAuthenticate == nil)
        #expect(r.claims?.sub == "as-1")
        // The instance id also counts as audience.
        #expect(v.verify(authorization: try bearer(claims(aud: ["MF", "dcsf-1"])), service: "nimsas-sec", tlsClientIdentity: nil, now: now).accepted)
    }

    @Test func missingOrNonBearer() {
        var v = verifier()
        let r = v.verify(authorization: nil, service: "s", tlsClientIdentity: nil, now: now)
        #expect(r.outcome == .missingToken && r.status == 401 && r.error == "invalid_token")
        #expect(r.wwwAuthenticate?.hasPrefix("Bearer error=\"invalid_token\"") == true)
        let basic = v.verify(authorization: "Basic dXNlcjpwdw==", service: "s", tlsClientIdentity: nil, now: now)
        #expect(basic.status == 401 && basic.error == "invalid_request")
        let junk = v.verify(authorization: "Bearer not.a.jwt", service: "s", tlsClientIdentity: nil, now: now)
        #expect(junk.outcome == .malformedToken && junk.status == 401 && junk.error == "invalid_token")
    }

    @Test func signatureChecks() throws {
        var v = verifier()
        // Same iss, signed by another key: bad signature.
        let forged = v.verify(authorization: try bearer(claims(), key: rogue), service: "nimsas-sec", tlsClientIdentity: nil, now: now)
        #expect(forged.outcome == .badSignature && forged.status == 401 && forged.error == "invalid_token")
        // Issuer unknown.
        var c = claims()
        c.iss = "rogue-nrf"
        let untrusted = v.verify(authorization: try bearer(c, key: rogue), service: "nimsas-sec", tlsClientIdentity: nil, now: now)
        #expect(untrusted.outcome == .untrustedIssuer && untrusted.status == 401)
        // alg none with an empty signature.
        let none = AccessToken.sign(header: .object(["alg": "none", "typ": "JWT"]), payload: claims().json, key: nrf)
        let parts = none.split(separator: ".")
        let r = v.verify(authorization: "Bearer \(parts[0]).\(parts[1]).", service: "nimsas-sec", tlsClientIdentity: nil, now: now)
        #expect(r.outcome == .badSignature || r.outcome == .malformedToken)
        #expect(r.status == 401)
        // Misconfigured: signature not checked, forged token accepted.
        var off = verifier(AccessTokenPolicy(checkSignature: false))
        #expect(off.verify(authorization: try bearer(claims(), key: rogue), service: "nimsas-sec", tlsClientIdentity: nil, now: now).accepted)
    }

    @Test func expiry() throws {
        var v = verifier()
        let auth = try bearer(claims(exp: now + 10))
        #expect(v.verify(authorization: auth, service: "nimsas-sec", tlsClientIdentity: nil, now: now + 9).accepted)
        let r = v.verify(authorization: auth, service: "nimsas-sec", tlsClientIdentity: nil, now: now + 10)
        #expect(r.outcome == .expired && r.status == 401 && r.error == "invalid_token")
        var off = verifier(AccessTokenPolicy(checkExpiry: false))
        #expect(off.verify(authorization: auth, service: "nimsas-sec", tlsClientIdentity: nil, now: now + 3600).accepted)
    }

    @Test func audience() throws {
        var v = verifier()
        let auth = try bearer(claims(aud: ["MF"]))
        let r = v.verify(authorization: auth, service: "nimsas-sec", tlsClientIdentity: nil, now: now)
        #expect(r.outcome == .wrongAudience && r.status == 401 && r.error == "invalid_token")
        var v403 = verifier(AccessTokenPolicy(wrongAudienceStatus: 403))
        #expect(v403.verify(authorization: auth, service: "nimsas-sec", tlsClientIdentity: nil, now: now).status == 403)
        var off = verifier(AccessTokenPolicy(checkAudience: false))
        #expect(off.verify(authorization: auth, service: "nimsas-sec", tlsClientIdentity: nil, now: now).accepted)
    }

    @Test func scope() throws {
        var v = verifier()
        let auth = try bearer(claims(scope: ["nmf-mrm"]))
        let r = v.verify(authorization: auth, service: "nimsas-sec", tlsClientIdentity: nil, now: now)
        #expect(r.outcome == .insufficientScope && r.status == 403 && r.error == "insufficient_scope")
        #expect(r.wwwAuthenticate?.contains("error=\"insufficient_scope\"") == true)
        var off = verifier(AccessTokenPolicy(checkScope: false))
        #expect(off.verify(authorization: auth, service: "nimsas-sec", tlsClientIdentity: nil, now: now).accepted)
    }

    @Test func subjectBoundToTLSClient() throws {
        var v = verifier()
        let auth = try bearer(claims(sub: "as-1"))
        let r = v.verify(authorization: auth, service: "nimsas-sec", tlsClientIdentity: "attacker-nf", now: now)
        #expect(r.outcome == .subjectMismatch && r.status == 403)
        var off = verifier(AccessTokenPolicy(bindSubjectToClient: false))
        #expect(off.verify(authorization: auth, service: "nimsas-sec", tlsClientIdentity: "attacker-nf", now: now).accepted)
    }

    @Test func replayOfJTI() throws {
        var v = verifier()
        let auth = try bearer(claims(exp: now + 100, jti: "tok-1"))
        #expect(v.verify(authorization: auth, service: "nimsas-sec", tlsClientIdentity: nil, now: now).accepted)
        let r = v.verify(authorization: auth, service: "nimsas-sec", tlsClientIdentity: nil, now: now + 1)
        #expect(r.outcome == .replayed && r.status == 401 && r.error == "invalid_token")
        // Without jti there is nothing to track: reuse is allowed (bearer semantics).
        let plain = try bearer(claims())
        #expect(v.verify(authorization: plain, service: "nimsas-sec", tlsClientIdentity: nil, now: now).accepted)
        #expect(v.verify(authorization: plain, service: "nimsas-sec", tlsClientIdentity: nil, now: now).accepted)
        var off = verifier(AccessTokenPolicy(rejectReplay: false))
        #expect(off.verify(authorization: auth, service: "nimsas-sec", tlsClientIdentity: nil, now: now).accepted)
        #expect(off.verify(authorization: auth, service: "nimsas-sec", tlsClientIdentity: nil, now: now).accepted)
    }
}
