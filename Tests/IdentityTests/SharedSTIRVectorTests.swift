import Crypto
import Foundation
import SIPCore
import Testing
@testable import Identity

/// Locates `../shared/corpus/stir` (beside the project root). CI provides it; a fresh clone
/// elsewhere does not, so these tests skip with a message rather than fail.
enum SharedSTIR {
    // Tests/IdentityTests/<file> -> project root, three levels up.
    static let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let dir = projectRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/stir")
    static var isAvailable: Bool { FileManager.default.fileExists(atPath: dir.appendingPathComponent("README.md").path) }
    static let skipMessage: Comment = "../shared/corpus/stir is absent (it sits beside the project in CI); public STIR vectors not checked"

    static func text(_ name: String) throws -> String {
        try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
    }
    static func publicKey(_ name: String) throws -> P256.Signing.PublicKey {
        try P256.Signing.PublicKey(pemRepresentation: try text(name))
    }
    /// The line after `marker` in a text file, trimmed.
    static func line(after marker: String, in text: String) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard let i = lines.firstIndex(where: { $0.hasPrefix(marker) }) else { return nil }
        return lines[(i + 1)...].first { !$0.isEmpty }
    }
}

@Suite(.enabled(if: SharedSTIR.isAvailable, SharedSTIR.skipMessage))
struct SharedSTIRVectorTests {
    /// RFC 7515 A.3: a known-good raw R||S ES256 JWS (not a PASSporT: no typ, CRLFs in the payload).
    @Test func rfc7515A3Verifies() throws {
        let jws = try SharedSTIR.text("rfc/rfc7515_A3_es256.jws").trimmingCharacters(in: .whitespacesAndNewlines)
        let key = try SharedSTIR.publicKey("rfc/rfc7515_A3_es256_public.pem")
        let v = try JWSParts.verifyES256(jws, key: key)
        #expect(v.header == .object(["alg": "ES256"]))
        #expect(String(decoding: v.payload, as: UTF8.self).contains("\r\n \"exp\":1300819380"))
        // As a PASSporT it lacks typ.
        let r = Fixtures.rejection { () throws(PASSporTRejection) in try PASSporTVerifier().verify(jws, key: key) }
        #expect(r?.reason == .missingHeaderParameter("typ"))
        // One flipped signature bit breaks it.
        var p = try JWSParts(jws)
        var sig = try p.decodedSignature()
        sig[10] ^= 1
        p.signatureSegment = Substring(Base64URL.encode(sig))
        #expect(throws: PASSporTError.signatureMismatch) {
            try JWSParts.verifyES256(p.headerSegment + "." + p.payloadSegment + "." + p.signatureSegment, key: key)
        }
    }

    /// RFC 8225 Appendix A: the signing input matches our canonical JSON of its header and claims.
    /// Its printed signature verifies with neither printed nor derived key (README), so only that.
    @Test func rfc8225AppendixACanonicalForm() throws {
        let jws = try SharedSTIR.text("rfc/rfc8225_appA_token.jws").trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = try JWSParts(jws)
        let header = PASSporTHeader(x5u: "https://cert.example.org/passport.cer")
        let claims = PASSporTClaims(orig: .tn("12155551212"), dest: PASSporTDestination(uri: ["sip:alice@example.com"]), iat: 1_471_375_418)
        #expect(PASSporT.signingInput(header: header.json, payload: claims.json) == parts.signingInput)
        // Re-canonicalising the received JSON is the identity too.
        #expect(Base64URL.encode(try parts.decodedHeader().canonicalBytes) == String(parts.headerSegment))
        #expect(Base64URL.encode(try parts.decodedPayload().canonicalBytes) == String(parts.payloadSegment))

        for keyFile in ["rfc/rfc8225_appA_public_as_printed.pem", "rfc/rfc8225_appA_public_derived_from_private.pem"] {
            let key = try SharedSTIR.publicKey(keyFile)
            let r = Fixtures.rejection { () throws(PASSporTRejection) in try PASSporTVerifier().verify(jws, key: key) }
            #expect(r?.reason == .signatureMismatch, "\(keyFile)")
        }
        // The printed private key does sign a token our verifier accepts with the derived key.
        let priv = try P256.Signing.PrivateKey(pemRepresentation: try SharedSTIR.text("rfc/rfc8225_appA_private.pem"))
        let derived = try SharedSTIR.publicKey("rfc/rfc8225_appA_public_derived_from_private.pem")
        #expect(priv.publicKey.rawRepresentation == derived.rawRepresentation)
        let ours = try PASSporTSigner(key: priv, x5u: "https://cert.example.org/passport.cer").sign(claims: claims, ppt: nil)
        #expect(try PASSporTVerifier().verify(ours, key: derived).claims == claims)
    }

    /// RFC 8588 §6 with erratum 6656 applied: our canonical header and payload match the corrected text.
    @Test func rfc8588CorrectedExampleCanonicalForm() throws {
        let text = try SharedSTIR.text("rfc/rfc8588_sec6_example_as_published.txt")
        let payload = SharedSTIR.line(after: "# Canonical (RFC 8225 Sec 9) serialisation of the corrected payload", in: text)
        let header = SharedSTIR.line(after: "# Canonical header", in: text)
        let claims = PASSporTClaims(orig: .tn("12155550121"), dest: PASSporTDestination(tn: ["12155550131"]), iat: 1_443_208_345,
                                    attest: "A", origid: "123e4567-e89b-12d3-a456-426655440000")
        #expect(claims.json.canonicalString == payload)
        #expect(PASSporTHeader(ppt: "shaken", x5u: "https://cert.example.org/passport.cer").json.canonicalString == header)
        #expect(claims.problems(ppt: "shaken") == [])
    }

    /// libstirshaken: signatures verify with sp_sp.pub, but the claims do not conform.
    @Test func libstirshakenValidSignatureInvalidClaims() throws {
        let text = try SharedSTIR.text("libstirshaken/sp_passport.txt")
        let key = try SharedSTIR.publicKey("libstirshaken/sp_sp.pub")
        guard let signed = SharedSTIR.line(after: "PASSporT signed is:", in: text),
              let headerLine = SharedSTIR.line(after: "SIP Identity Header with PASSporT is:", in: text) else {
            Issue.record("sp_passport.txt layout changed"); return
        }
        let identity = try IdentityValue(parsing: headerLine)
        #expect(identity.info == "http://shaken.signalwire.cloud/sp.pem")
        for jws in [signed, identity.jws] {
            // The JWS layer is sound...
            #expect(throws: Never.self) { try JWSParts.verifyES256(jws, key: key) }
            // ...but the PASSporT is rejected, for its claims alone.
            let r = Fixtures.rejection { () throws(PASSporTRejection) in try PASSporTVerifier().verify(jws, key: key) }
            #expect(r?.reasons == [
                .origWrongShape("orig is a string containing serialised JSON, not an object; expected {\"tn\":...} or {\"uri\":...}"),
                .destWrongShape("dest is a string containing serialised JSON, not an object; expected {\"tn\":[...]} or {\"uri\":[...]}"),
                .origidNotUUID("ref"),
            ])
        }
        // Through the Identity header path too (ppt param matches the header).
        let r = Fixtures.rejection { () throws(PASSporTRejection) in try PASSporTVerifier().verify(identity, key: key) }
        #expect(r?.reason.description.hasPrefix("orig has the wrong shape") == true)
        // And with the wrong key it is a plain signature failure.
        let other = try SharedSTIR.publicKey("libstirshaken/pa_pa.pub")
        let r2 = Fixtures.rejection { () throws(PASSporTRejection) in try PASSporTVerifier().verify(signed, key: other) }
        #expect(r2?.reason == .signatureMismatch)
    }

    /// The SPC token is a JWT signed by the PA: ES256 verifies, but it is no PASSporT.
    @Test func libstirshakenSPCToken() throws {
        let text = try SharedSTIR.text("libstirshaken/sp_spc_token.txt")
        guard let jws = SharedSTIR.line(after: "SPC token encoded:", in: text) else { Issue.record("layout changed"); return }
        let key = try SharedSTIR.publicKey("libstirshaken/pa_pa.pub")
        let v = try JWSParts.verifyES256(jws, key: key)
        #expect(v.header["typ"] == "JWT")
        let r = Fixtures.rejection { () throws(PASSporTRejection) in try PASSporTVerifier().verify(jws, key: key) }
        #expect(r?.reason == .wrongType("JWT"))
    }
}
