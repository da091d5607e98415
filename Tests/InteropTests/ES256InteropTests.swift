import COpenSSL
import Crypto
import Foundation
import Identity
import Testing
import TestSupport

enum Messages {
    static let x5u = "https://certs.test.invalid/delegate.pem"

    static func tn(_ rng: inout SplitMix64) -> String {
        "1" + String((0..<10).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) })
    }

    static func uuid(_ rng: inout SplitMix64) -> String {
        let hex = (0..<32).map { _ in String(Int.random(in: 0..<16, using: &rng), radix: 16) }.joined()
        let c = Array(hex)
        return [c[0..<8], c[8..<12], c[12..<16], c[16..<20], c[20..<32]].map { String($0) }.joined(separator: "-")
    }

    /// Conforming claims of varying shape and length (so base64url tails vary), with the ppt they fit.
    static func random(_ rng: inout SplitMix64) -> (claims: PASSporTClaims, ppt: String?) {
        let dest = PASSporTDestination(tn: (0..<Int.random(in: 1...3, using: &rng)).map { _ in tn(&rng) })
        let iat = Int64.random(in: 1_500_000_000...2_000_000_000, using: &rng)
        let names = ["Alice", "Bob \"the\" Builder", "Zoë Ünïcödé", "ACME\\Support/Desk", "☎ Line\t2", String(repeating: "x", count: 37)]
        switch Int.random(in: 0..<3, using: &rng) {
        case 0:
            return (PASSporTClaims(orig: .tn(tn(&rng)), dest: dest, iat: iat,
                                   attest: ["A", "B", "C"][Int.random(in: 0..<3, using: &rng)], origid: uuid(&rng)), SHAKEN.ppt)
        case 1:
            return (PASSporTClaims(orig: .tn(tn(&rng)), dest: dest, iat: iat,
                                   rcd: RichCallData(nam: names[Int.random(in: 0..<names.count, using: &rng)])), RCDRules.ppt)
        default:
            return (PASSporTClaims(orig: .tn(tn(&rng)), dest: dest, iat: iat), nil)
        }
    }

    static let fixed = PASSporTClaims(orig: .tn("12025550123"), dest: PASSporTDestination(tn: ["12025550155"]), iat: 1_735_689_600,
                                      attest: "A", origid: "123e4567-e89b-12d3-a456-426614174000")
}

/// (a) swift-crypto signs, libcrypto verifies: the JWS R||S converted to DER.
func checkSwiftSignsOpenSSLVerifies(_ key: P256.Signing.PrivateKey, claims: PASSporTClaims, ppt: String?) throws -> [UInt8] {
    let token = try PASSporTSigner(key: key, x5u: Messages.x5u).sign(claims: claims, ppt: ppt)
    let parts = try JWSParts(token)
    let raw = try parts.decodedSignature()
    try #require(raw.count == 64)
    let der = try ECDSASignatureCodec.rawToDER(raw)
    // libcrypto's DER and swift-crypto's DER for the same signature are byte-identical.
    #expect(der == Array(try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation))
    #expect(try ECDSASignatureCodec.derToRaw(der) == raw)

    let fromPEM = try OpenSSLKey.publicKey(pem: key.publicKey.pemRepresentation)
    let fromDER = try OpenSSLKey.publicKey(der: Array(key.publicKey.derRepresentation))
    #expect(try fromPEM.verifySHA256(der: der, over: parts.signingInput), "libcrypto rejected \(token)")
    #expect(try fromDER.verifySHA256(der: der, over: parts.signingInput))
    return raw
}

/// (b) libcrypto signs (same PEM key imported into both), PASSporTVerifier verifies.
func checkOpenSSLSignsSwiftVerifies(pem: String, claims: PASSporTClaims, ppt: String?) throws -> [UInt8] {
    let swiftKey = try P256.Signing.PrivateKey(pemRepresentation: pem)
    let opensslKey = try OpenSSLKey.privateKey(pem: pem)
    #expect(try opensslKey.publicKeyDER() == Array(swiftKey.publicKey.derRepresentation), "the two imports disagree on the key")

    let input = PASSporT.signingInput(header: PASSporTHeader(ppt: ppt, x5u: Messages.x5u).json, payload: claims.json)
    let der = try opensslKey.signSHA256(input)
    let raw = try ECDSASignatureCodec.derToRaw(der)
    #expect(raw == Array(try P256.Signing.ECDSASignature(derRepresentation: der).rawRepresentation))
    let token = String(decoding: input, as: UTF8.self) + "." + Base64URL.encode(raw)

    let verified = try PASSporTVerifier().verify(token, key: swiftKey.publicKey, expectedPPT: .some(ppt))
    #expect(verified.claims == claims)
    #expect(verified.header.ppt == ppt)
    #expect(verified.header.x5u == Messages.x5u)
    return raw
}

func hasLeadingZero(_ raw: [UInt8]) -> Bool { raw[0] == 0 || raw[32] == 0 }

struct ES256InteropTests {
    @Test func swiftCryptoSignatureVerifiesWithLibcrypto() throws {
        _ = try checkSwiftSignsOpenSSLVerifies(P256.Signing.PrivateKey(), claims: Messages.fixed, ppt: SHAKEN.ppt)
    }

    @Test func libcryptoSignatureVerifiesWithPASSporTVerifier() throws {
        _ = try checkOpenSSLSignsSwiftVerifies(pem: P256.Signing.PrivateKey().pemRepresentation, claims: Messages.fixed, ppt: SHAKEN.ppt)
    }

    @Test func sec1PEMImportsIntoBoth() throws {
        // SEC1 ECPrivateKey (RFC 5915) "EC PRIVATE KEY" text, as older tooling writes it; the layout is fixed for P-256.
        let key = P256.Signing.PrivateKey()
        let der: [UInt8] = [0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20] + Array(key.rawRepresentation)
            + [0xA0, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0xA1, 0x44, 0x03, 0x42, 0x00]
            + Array(key.publicKey.x963Representation)
        let sec1 = "-----BEGIN EC PRIVATE KEY-----\n" + Data(der).base64EncodedString(options: .lineLength64Characters)
            + "\n-----END EC PRIVATE KEY-----\n"
        _ = try checkOpenSSLSignsSwiftVerifies(pem: sec1, claims: Messages.fixed, ppt: SHAKEN.ppt)
    }

    @Test func tamperedTokensAreRejectedByBoth() throws {
        let pem = P256.Signing.PrivateKey().pemRepresentation
        let key = try P256.Signing.PrivateKey(pemRepresentation: pem)
        let opensslKey = try OpenSSLKey.privateKey(pem: pem)
        let publicKey = try OpenSSLKey.publicKey(pem: key.publicKey.pemRepresentation)

        var other = Messages.fixed
        other.iat += 1
        let otherPayload = Base64URL.encode(other.json.canonicalBytes)
        let header = PASSporTHeader(ppt: SHAKEN.ppt, x5u: Messages.x5u).json

        // One token from each library over the same claims.
        let swiftToken = try PASSporTSigner(key: key, x5u: Messages.x5u).sign(claims: Messages.fixed, ppt: SHAKEN.ppt)
        let input = PASSporT.signingInput(header: header, payload: Messages.fixed.json)
        let opensslToken = String(decoding: input, as: UTF8.self) + "."
            + Base64URL.encode(try ECDSASignatureCodec.derToRaw(try opensslKey.signSHA256(input)))

        for token in [swiftToken, opensslToken] {
            let parts = try JWSParts(token)
            let raw = try parts.decodedSignature()
            // Untampered baseline: both accept.
            #expect(try publicKey.verifySHA256(der: ECDSASignatureCodec.rawToDER(raw), over: parts.signingInput))
            _ = try PASSporTVerifier().verify(token, key: key.publicKey)

            var flipped = raw
            flipped[63] ^= 0x01
            let variants: [(String, String)] = [
                ("payload swapped (iat + 1)", "\(parts.headerSegment).\(otherPayload).\(parts.signatureSegment)"),
                ("last bit of S flipped", "\(parts.headerSegment).\(parts.payloadSegment).\(Base64URL.encode(flipped))"),
                ("R and S swapped", "\(parts.headerSegment).\(parts.payloadSegment).\(Base64URL.encode(raw[32...] + raw[..<32]))"),
            ]
            for (what, tampered) in variants {
                let t = try JWSParts(tampered)
                let sig = try t.decodedSignature()
                #expect(try !publicKey.verifySHA256(der: ECDSASignatureCodec.rawToDER(sig), over: t.signingInput), "libcrypto accepted: \(what)")
                let rejection = #expect(throws: PASSporTRejection.self, "PASSporTVerifier accepted: \(what)") {
                    try PASSporTVerifier().verify(tampered, key: key.publicKey)
                }
                #expect(rejection?.reason == .signatureMismatch, "\(what): \(String(describing: rejection))")
            }

            // A different key: both reject.
            let stranger = P256.Signing.PrivateKey()
            let strangerPublic = try OpenSSLKey.publicKey(der: Array(stranger.publicKey.derRepresentation))
            #expect(try !strangerPublic.verifySHA256(der: ECDSASignatureCodec.rawToDER(raw), over: parts.signingInput))
            #expect(throws: PASSporTRejection.self) { try PASSporTVerifier().verify(token, key: stranger.publicKey) }
        }

        // libcrypto's DER pasted into a JWS unconverted: the verifier names the mistake.
        let der = try opensslKey.signSHA256(input)
        let derToken = String(decoding: input, as: UTF8.self) + "." + Base64URL.encode(der)
        let rejection = #expect(throws: PASSporTRejection.self) { try PASSporTVerifier().verify(derToken, key: key.publicKey) }
        #expect(rejection?.reason == .derEncodedSignature(length: der.count))
    }

    /// (d) Both directions over 50 random keys and seeded messages.
    @Test func randomKeysAndMessagesBothDirections() throws {
        var rng = SplitMix64(seed: 0x5EED_1D3E_0000_0050)
        var leadingZeros = 0
        for _ in 0..<50 {
            let (claims, ppt) = Messages.random(&rng)
            let pem = P256.Signing.PrivateKey().pemRepresentation
            let a = try checkSwiftSignsOpenSSLVerifies(try P256.Signing.PrivateKey(pemRepresentation: pem), claims: claims, ppt: ppt)
            let b = try checkOpenSSLSignsSwiftVerifies(pem: pem, claims: claims, ppt: ppt)
            leadingZeros += (hasLeadingZero(a) ? 1 : 0) + (hasLeadingZero(b) ? 1 : 0)
        }
        // Leading zeros are rare here (~1 in 128 signatures); the next test forces them.
        print("randomKeysAndMessagesBothDirections: \(leadingZeros) of 100 signatures had R or S with a leading zero byte")
    }

    /// R or S below 2^248 (a leading zero byte in R||S, a short DER INTEGER): sign until one appears, each way.
    @Test func shortCoordinatesRoundTripBothWays() throws {
        let pem = P256.Signing.PrivateKey().pemRepresentation
        let key = try P256.Signing.PrivateKey(pemRepresentation: pem)
        let opensslKey = try OpenSSLKey.privateKey(pem: pem)
        let publicKey = try OpenSSLKey.publicKey(pem: key.publicKey.pemRepresentation)
        let input = PASSporT.signingInput(header: PASSporTHeader(ppt: SHAKEN.ppt, x5u: Messages.x5u).json, payload: Messages.fixed.json)
        let text = String(decoding: input, as: UTF8.self)

        // swift-crypto side: 4000 tries miss with probability (127/128)^4000 ~ 2e-14.
        var swiftRaw: [UInt8]?
        for _ in 0..<4000 {
            let raw = try ES256.sign(input, key: key)
            if hasLeadingZero(raw) { swiftRaw = raw; break }
        }
        let raw = try #require(swiftRaw, "no short R or S in 4000 swift-crypto signatures")
        let der = try ECDSASignatureCodec.rawToDER(raw)
        #expect(der.count < 72, "a short coordinate needs no 0x00 sign pad and so shortens the DER")
        #expect(try publicKey.verifySHA256(der: der, over: input))
        #expect(try ECDSASignatureCodec.derToRaw(der) == raw)

        // libcrypto side: a DER INTEGER of at most 31 content bytes.
        var opensslRaw: [UInt8]?
        for _ in 0..<4000 {
            let candidate = try ECDSASignatureCodec.derToRaw(try opensslKey.signSHA256(input))
            if hasLeadingZero(candidate) { opensslRaw = candidate; break }
        }
        let raw2 = try #require(opensslRaw, "no short R or S in 4000 libcrypto signatures")
        #expect(raw2.count == 64)
        let verified = try PASSporTVerifier().verify(text + "." + Base64URL.encode(raw2), key: key.publicKey)
        #expect(verified.claims == Messages.fixed)
    }

    /// The converter alone, on hand-made values: padding, sign bytes, and malformed input.
    @Test func codecEdgeCases() throws {
        // R = 0x0000 01.. (two leading zero bytes), S with its top bit set (DER needs a 0x00 pad).
        var raw = [UInt8](repeating: 0x11, count: 64)
        raw[0] = 0; raw[1] = 0; raw[2] = 0x01
        raw[32] = 0x80
        let der = try ECDSASignatureCodec.rawToDER(raw)
        #expect(der == Array(try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation))
        // SEQUENCE { INTEGER (30 bytes), INTEGER (33 bytes: 00 80 ...) }
        #expect(Array(der[0..<4]) == [0x30, UInt8(der.count - 2), 0x02, 30])
        #expect(Array(der[34..<38]) == [0x02, 33, 0x00, 0x80])
        #expect(try ECDSASignatureCodec.derToRaw(der) == raw)

        #expect(throws: OpenSSLError.self) { try ECDSASignatureCodec.rawToDER(Array(raw.prefix(63))) }
        #expect(throws: OpenSSLError.self) { try ECDSASignatureCodec.derToRaw(der + [0x00]) }
        #expect(throws: OpenSSLError.self) { try ECDSASignatureCodec.derToRaw(Array(der.dropLast())) }
        // A 33-byte INTEGER with no sign pad does not fit in 32 bytes.
        let big: [UInt8] = [0x30, 0x26, 0x02, 0x21, 0x01] + [UInt8](repeating: 0xFF, count: 32) + [0x02, 0x01, 0x01]
        #expect(throws: OpenSSLError.self) { try ECDSASignatureCodec.derToRaw(big) }
        ERR_clear_error()
    }

    @Test func keyImportRejectsWrongKeys() throws {
        #expect(throws: OpenSSLError.self) { try OpenSSLKey.privateKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
        #expect(throws: OpenSSLError.self) { try OpenSSLKey.publicKey(der: [0x30, 0x00]) }
        // A P-384 key is EC but not ES256.
        #expect(throws: OpenSSLError.self) { try OpenSSLKey.publicKey(pem: P384.Signing.PrivateKey().publicKey.pemRepresentation) }
        let spki = Array(P256.Signing.PrivateKey().publicKey.derRepresentation)
        #expect(throws: OpenSSLError.self) { try OpenSSLKey.publicKey(der: spki + [0]) }
    }
}
