import Crypto
import Foundation
import SIPCore
import Testing
@testable import Identity

struct PASSporTRoundTripTests {
    @Test func signThenVerify() throws {
        let jws = try Fixtures.signer.sign(claims: Fixtures.shakenClaims, ppt: "shaken")
        let v = try Fixtures.verifier.verify(jws, key: Fixtures.key.publicKey)
        #expect(v.claims == Fixtures.shakenClaims)
        #expect(v.header == PASSporTHeader(ppt: "shaken", x5u: Fixtures.x5u))
        #expect(!v.isCompactForm)
    }

    @Test func fullFormIsCanonicalJSON() throws {
        let jws = try Fixtures.signer.sign(claims: Fixtures.shakenClaims, ppt: "shaken")
        let parts = try JWSParts(jws)
        #expect(String(decoding: try Base64URL.decode(parts.headerSegment), as: UTF8.self)
            == #"{"alg":"ES256","ppt":"shaken","typ":"passport","x5u":"https://cert.example.org/passport.cer"}"#)
        #expect(String(decoding: try Base64URL.decode(parts.payloadSegment), as: UTF8.self)
            == #"{"attest":"A","dest":{"tn":["12155550131"]},"iat":1443208345,"orig":{"tn":"12155550121"},"origid":"123e4567-e89b-12d3-a456-426655440000"}"#)
        #expect(try parts.decodedSignature().count == 64)
    }

    /// ES256 hashes its input in one buffer: the same digest as swift-crypto's generic path, so
    /// each side's signatures verify with the other (seeded inputs of every length up to 300).
    @Test func es256MatchesTheGenericHashPath() throws {
        var state: UInt64 = 7
        for length in stride(from: 0, through: 300, by: 23) {
            let input = (0..<length).map { _ -> UInt8 in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            }
            #expect(ES256.sha256(input) == SHA256.hash(data: input))
            let ours = try ES256.sign(input, key: Fixtures.key)
            let theirs = try Fixtures.key.signature(for: input)
            #expect(Fixtures.key.publicKey.isValidSignature(try P256.Signing.ECDSASignature(rawRepresentation: ours), for: input))
            #expect(throws: Never.self) { try ES256.verify(signature: Array(theirs.rawRepresentation), over: input, key: Fixtures.key.publicKey) }
        }
    }

    @Test func signaturesAreRandomisedButBothVerify() throws {
        let a = try Fixtures.signer.sign(claims: Fixtures.shakenClaims, ppt: "shaken")
        let b = try Fixtures.signer.sign(claims: Fixtures.shakenClaims, ppt: "shaken")
        #expect(a != b)
        for jws in [a, b] { #expect(throws: Never.self) { try Fixtures.verifier.verify(jws, key: Fixtures.key.publicKey) } }
    }

    @Test func verifiesOverReceivedBytesNotReserialised() throws {
        // Whitespace and unsorted keys: a verifier that re-serialised would fail this.
        let jws = try Fixtures.jwsRaw(header: #"{ "x5u":"https:\/\/cert.example.org/passport.cer", "typ":"passport","alg":"ES256" }"#,
                                      payload: #"{"orig":{"tn":"12155550121"},  "iat":1443208345, "dest":{"tn":["12155550131"]}}"#)
        let v = try Fixtures.verifier.verify(jws, key: Fixtures.key.publicKey)
        #expect(v.header.x5u == Fixtures.x5u)
        #expect(v.payloadJSON.objectMembers?.map(\.key) == ["orig", "iat", "dest"])
    }

    @Test func unknownClaimsAndHeaderParametersAreKept() throws {
        let jws = try Fixtures.jws(header: .object(["alg": "ES256", "typ": "passport", "kid": "k1"]),
                                   payload: .object(["orig": .object(["uri": "sip:a@example.com"]), "dest": .object(["uri": ["sip:b@example.com"]]),
                                                     "iat": 1, "zzz": .object(["nested": true])]))
        let v = try Fixtures.verifier.verify(jws, key: Fixtures.key.publicKey)
        #expect(v.header.extra == [JSONMember("kid", "k1")])
        #expect(v.claims.orig == .uri("sip:a@example.com"))
        #expect(v.claims.other == [JSONMember("zzz", .object(["nested": true]))])
    }

    @Test func signerRefusesNonConformingClaims() {
        var c = Fixtures.shakenClaims
        c.attest = nil
        #expect(throws: PASSporTSigningError.nonConformingClaims([.missingClaim("attest")])) {
            try Fixtures.signer.sign(claims: c, ppt: "shaken")
        }
    }
}

struct PASSporTTamperTests {
    func expectMismatch(_ jws: String, key: P256.Signing.PublicKey = Fixtures.key.publicKey, sourceLocation: SourceLocation = #_sourceLocation) {
        let r = Fixtures.rejection { () throws(PASSporTRejection) in try Fixtures.verifier.verify(jws, key: key) }
        #expect(r?.reason == .signatureMismatch, "\(String(describing: r))", sourceLocation: sourceLocation)
    }

    func flipBit(_ segment: Substring, byte: Int, bit: Int = 0) throws -> String {
        var bytes = try Base64URL.decode(segment)
        bytes[byte] ^= UInt8(1 << bit)
        return Base64URL.encode(bytes)
    }

    @Test func tamperedHeader() throws {
        let p = try JWSParts(try Fixtures.signer.sign(claims: Fixtures.shakenClaims, ppt: "shaken"))
        // Change one x5u character: still valid JSON, still an acceptable header.
        let header = String(decoding: try Base64URL.decode(p.headerSegment), as: UTF8.self).replacingOccurrences(of: "cert.", with: "cerT.")
        expectMismatch(Base64URL.encode(header) + "." + p.payloadSegment + "." + p.signatureSegment)
    }

    @Test func tamperedPayloadBit() throws {
        let p = try JWSParts(try Fixtures.signer.sign(claims: Fixtures.shakenClaims, ppt: "shaken"))
        for byte in [0, 20, 60] {
            expectMismatch(p.headerSegment + "." + (try flipBit(p.payloadSegment, byte: byte)) + "." + p.signatureSegment)
        }
    }

    @Test func tamperedSignatureBit() throws {
        let p = try JWSParts(try Fixtures.signer.sign(claims: Fixtures.shakenClaims, ppt: "shaken"))
        for byte in [0, 31, 32, 63] {
            expectMismatch(p.headerSegment + "." + p.payloadSegment + "." + (try flipBit(p.signatureSegment, byte: byte, bit: 3)))
        }
    }

    @Test func wrongKey() throws {
        expectMismatch(try Fixtures.signer.sign(claims: Fixtures.shakenClaims, ppt: "shaken"), key: Fixtures.otherKey.publicKey)
    }
}

struct PASSporTRejectionTests {
    static let goodPayload: JSONValue = Fixtures.shakenClaims.json

    func reason(_ jws: String, sourceLocation: SourceLocation = #_sourceLocation) -> PASSporTError? {
        Fixtures.rejection { () throws(PASSporTRejection) in try Fixtures.verifier.verify(jws, key: Fixtures.key.publicKey) }?.reason
    }

    func header(alg: JSONValue? = "ES256", typ: JSONValue? = "passport") -> JSONValue {
        var m: [JSONMember] = []
        if let alg { m.append(JSONMember("alg", alg)) }
        if let typ { m.append(JSONMember("typ", typ)) }
        m += [JSONMember("ppt", "shaken"), JSONMember("x5u", .string(Fixtures.x5u))]
        return .object(m)
    }

    @Test func algorithmSubstitution() throws {
        for alg in ["none", "HS256", "RS256", "es256", "ES384"] {
            #expect(reason(try Fixtures.jws(header: header(alg: .string(alg)), payload: Self.goodPayload)) == .unsupportedAlgorithm(alg))
        }
        // "none" with an empty signature: rejected for alg before the signature is looked at.
        let unsigned = Base64URL.encode(header(alg: "none").canonicalBytes) + "." + Base64URL.encode(Self.goodPayload.canonicalBytes) + "."
        #expect(reason(unsigned) == .unsupportedAlgorithm("none"))
        #expect(reason(try Fixtures.jws(header: header(alg: nil), payload: Self.goodPayload)) == .missingHeaderParameter("alg"))
        #expect(reason(try Fixtures.jws(header: header(alg: 256), payload: Self.goodPayload)) == .headerParameterNotString("alg", found: .integer))
    }

    @Test func type() throws {
        #expect(reason(try Fixtures.jws(header: header(typ: "JWT"), payload: Self.goodPayload)) == .wrongType("JWT"))
        #expect(reason(try Fixtures.jws(header: header(typ: nil), payload: Self.goodPayload)) == .missingHeaderParameter("typ"))
    }

    @Test func structure() throws {
        #expect(reason("abc.def") == .malformedJWS(segmentCount: 2))
        #expect(reason("a.b.c.d") == .malformedJWS(segmentCount: 4))
        let p = try JWSParts(try Fixtures.signer.sign(claims: Fixtures.shakenClaims, ppt: "shaken"))
        #expect(reason(".." + p.signatureSegment) == .compactFormNeedsReconstruction)
        guard case .malformedBase64URL(.header, _)? = reason(p.headerSegment + "=." + p.payloadSegment + "." + p.signatureSegment) else {
            Issue.record("padding in header accepted"); return
        }
        guard case .malformedBase64URL(.payload, _)? = reason(p.headerSegment + ".+" + p.payloadSegment.dropFirst() + "." + p.signatureSegment) else {
            Issue.record("'+' in payload accepted"); return
        }
        guard case .malformedBase64URL(.signature, _)? = reason(p.headerSegment + "." + p.payloadSegment + "." + p.signatureSegment + " ") else {
            Issue.record("space in signature accepted"); return
        }
    }

    @Test func malformedJSON() throws {
        let badHeader = Base64URL.encode(#"{"alg":"ES256","alg":"none"}"#) + "." + Base64URL.encode(Self.goodPayload.canonicalBytes) + ".AAAA"
        guard case .malformedJSON(.header, let e)? = reason(badHeader) else { Issue.record("duplicate alg accepted"); return }
        #expect(e.message.contains("duplicate key"))
        // Validly signed but not JSON: the payload is parsed only after the signature checks out.
        let badPayload = try Fixtures.jwsRaw(header: header().canonicalString, payload: #"{"iat":1,}"#)
        guard case .malformedJSON(.payload, _)? = reason(badPayload) else { Issue.record("bad payload JSON accepted"); return }
        let arrayPayload = try Fixtures.jwsRaw(header: header().canonicalString, payload: "[1]")
        #expect(reason(arrayPayload) == .notAnObject(.payload, found: .array))
    }

    @Test func derAndBadLengthSignatures() throws {
        let p = try JWSParts(try Fixtures.signer.sign(claims: Fixtures.shakenClaims, ppt: "shaken"))
        let raw = try p.decodedSignature()
        let der = Array(try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation)
        #expect(der.first == 0x30)
        #expect(reason(p.headerSegment + "." + p.payloadSegment + "." + Base64URL.encode(der)) == .derEncodedSignature(length: der.count))
        #expect(reason(p.headerSegment + "." + p.payloadSegment + "." + Base64URL.encode(raw.dropLast())) == .badSignatureLength(63))
        #expect(reason(p.headerSegment + "." + p.payloadSegment + ".") == .badSignatureLength(0))
    }

    func payload(removing key: String? = nil, setting: (String, JSONValue)? = nil) -> JSONValue {
        guard var members = Self.goodPayload.objectMembers else { return .null }
        if let key { members.removeAll { $0.key == key } }
        if let (k, v) = setting {
            members.removeAll { $0.key == k }
            members.append(JSONMember(k, v))
        }
        return .object(members)
    }

    @Test func missingRequiredClaims() throws {
        for claim in ["orig", "dest", "iat"] {
            #expect(reason(try Fixtures.jws(header: header(), payload: payload(removing: claim))) == .missingClaim(claim))
        }
    }

    @Test func iatMustBeAnInteger() throws {
        // RFC 8588 §6 as published has "iat":"1443208345" (erratum 6656).
        #expect(reason(try Fixtures.jws(header: header(), payload: payload(setting: ("iat", "1443208345")))) == .iatNotInteger(found: .string))
        #expect(reason(try Fixtures.jws(header: header(), payload: payload(setting: ("iat", .double(1443208345.5))))) == .iatNotInteger(found: .number))
        #expect(reason(try Fixtures.jwsRaw(header: header().canonicalString, payload: #"{"dest":{"tn":["1"]},"iat":1.0,"orig":{"tn":"2"},"attest":"A","origid":"123e4567-e89b-12d3-a456-426655440000"}"#))
            == .iatNotInteger(found: .number))
    }

    @Test func origAndDestShapes() throws {
        let cases: [(String, JSONValue, PASSporTError)] = [
            ("orig", #"{"tn":"01256789999"}"#, .origWrongShape("orig is a string containing serialised JSON, not an object; expected {\"tn\":...} or {\"uri\":...}")),
            ("orig", "12155550121", .origWrongShape("orig is a JSON string, not an object; expected {\"tn\":...} or {\"uri\":...}")),
            ("orig", .object(["tn": "1", "uri": "sip:a@b"]), .origWrongShape("orig has both \"tn\" and \"uri\" (exactly one allowed)")),
            ("orig", .object(["tn": ["1"]]), .origWrongShape("orig.tn must be a string, found array")),
            ("orig", .object([:]), .origWrongShape("orig has neither \"tn\" nor \"uri\"")),
            ("dest", #"{"tn":"01256500600"}"#, .destWrongShape("dest is a string containing serialised JSON, not an object; expected {\"tn\":[...]} or {\"uri\":[...]}")),
            ("dest", .object(["tn": "12155550131"]), .destWrongShape("dest.tn must be an array of strings, found string")),
            ("dest", .object(["tn": [1]]), .destWrongShape("dest.tn holds a integer, expected strings")),
            ("dest", .object(["tn": []]), .destWrongShape("dest names no identity (needs a non-empty \"tn\" or \"uri\" array)")),
        ]
        for (claim, value, expected) in cases {
            #expect(reason(try Fixtures.jws(header: header(), payload: payload(setting: (claim, value)))) == expected)
        }
    }

    @Test func allClaimProblemsAreReported() throws {
        let p: JSONValue = .object(["orig": "x", "dest": "y", "iat": "1", "attest": "D", "origid": "ref"])
        let jws = try Fixtures.jws(header: header(), payload: p)
        let r = Fixtures.rejection { () throws(PASSporTRejection) in try Fixtures.verifier.verify(jws, key: Fixtures.key.publicKey) }
        #expect(r?.reasons.count == 5)
        #expect(r?.reasons.last == .origidNotUUID("ref"))
    }

    @Test func descriptionsAreSpecific() {
        #expect(PASSporTError.unsupportedAlgorithm("none").description == "unsupported alg \"none\" (only ES256 is accepted)")
        #expect(PASSporTError.iatNotInteger(found: .string).description == "iat must be an integer NumericDate, found string")
        #expect(PASSporTError.derEncodedSignature(length: 71).description.contains("DER"))
        #expect(PASSporTRejection(.missingClaim("orig"), otherReasons: [.missingClaim("iat")]).description
            == "required claim \"orig\" is missing; required claim \"iat\" is missing")
    }

    /// The claims `parse` reads are found in one pass: each is what `json[key]` gives (the first
    /// member with the key), for seeded member lists with repeated, missing and unknown keys.
    @Test func knownClaimsAreTheFirstMembers() {
        let keys = ["orig", "dest", "iat", "attest", "origid", "rcd", "crn", "rcdi", "mky", "x", "ORIG", ""]
        let values: [JSONValue] = [.string("A"), .integer(1), .null, .object([JSONMember("tn", .string("1"))]), .array([])]
        var state: UInt64 = 21
        func draw(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % n
        }
        for _ in 0..<200 {
            let members = (0..<draw(12)).map { _ in JSONMember(keys[draw(keys.count)], values[draw(values.count)]) }
            let json = JSONValue.object(members)
            let known = PASSporTClaims.KnownClaims(members)
            #expect(known.orig == json["orig"] && known.dest == json["dest"] && known.iat == json["iat"])
            #expect(known.attest == json["attest"] && known.origid == json["origid"] && known.rcd == json["rcd"])
            #expect(known.crn == json["crn"] && known.rcdi == json["rcdi"] && known.mky == json["mky"])
        }
    }
}

struct CompactFormTests {
    @Test func compactVerifiesAgainstReconstruction() throws {
        let full = try Fixtures.signer.sign(claims: Fixtures.shakenClaims, ppt: "shaken")
        let compact = PASSporT.compactForm(full)
        #expect(compact.hasPrefix(".."))
        let header = PASSporTHeader(ppt: "shaken", x5u: Fixtures.x5u)
        let v = try Fixtures.verifier.verifyCompact(compact, header: header, claims: Fixtures.shakenClaims, key: Fixtures.key.publicKey)
        #expect(v.isCompactForm)
        #expect(v.claims == Fixtures.shakenClaims)
    }

    @Test func compactWithWrongReconstructionFails() throws {
        let compact = PASSporT.compactForm(try Fixtures.signer.sign(claims: Fixtures.shakenClaims, ppt: "shaken"))
        var claims = Fixtures.shakenClaims
        claims.dest = PASSporTDestination(tn: ["12155550199"])  // retargeted call
        let r = Fixtures.rejection { () throws(PASSporTRejection) in
            try Fixtures.verifier.verifyCompact(compact, header: PASSporTHeader(ppt: "shaken", x5u: Fixtures.x5u), claims: claims, key: Fixtures.key.publicKey)
        }
        #expect(r?.reason == .signatureMismatch)
        let full = try Fixtures.signer.sign(claims: Fixtures.shakenClaims, ppt: "shaken")
        let r2 = Fixtures.rejection { () throws(PASSporTRejection) in
            try Fixtures.verifier.verifyCompact(full, header: PASSporTHeader(ppt: "shaken", x5u: Fixtures.x5u), claims: claims, key: Fixtures.key.publicKey)
        }
        #expect(r2?.reason == .notCompactForm)
    }

    @Test func identityHeaderRoundTrip() throws {
        let value = try Fixtures.signer.identity(claims: Fixtures.shakenClaims, ppt: "shaken")
        let parsed = try IdentityValue(parsing: value.description)
        #expect(parsed.info == Fixtures.x5u)
        #expect(parsed.alg == "ES256")
        let v = try Fixtures.verifier.verify(parsed, key: Fixtures.key.publicKey)
        #expect(v.header.ppt == "shaken")

        var lying = parsed
        lying.ppt = "div"
        let r = Fixtures.rejection { () throws(PASSporTRejection) in try Fixtures.verifier.verify(lying, key: Fixtures.key.publicKey) }
        #expect(r?.reason == .pptMismatch(expected: "div", found: "shaken"))

        var hs = parsed
        hs.alg = "HS256"
        let r3 = Fixtures.rejection { () throws(PASSporTRejection) in try Fixtures.verifier.verify(hs, key: Fixtures.key.publicKey) }
        #expect(r3?.reason == .unsupportedAlgorithm("HS256"))

        let compact = try Fixtures.signer.identity(claims: Fixtures.shakenClaims, ppt: "shaken", compact: true)
        #expect(compact.isCompactForm)
        let r2 = Fixtures.rejection { () throws(PASSporTRejection) in try Fixtures.verifier.verify(compact, key: Fixtures.key.publicKey) }
        #expect(r2?.reason == .compactFormNeedsReconstruction)
        let v2 = try Fixtures.verifier.verify(compact, key: Fixtures.key.publicKey,
                                              reconstructed: (PASSporTHeader(ppt: "shaken", x5u: Fixtures.x5u), Fixtures.shakenClaims))
        #expect(v2.isCompactForm)
    }
}
