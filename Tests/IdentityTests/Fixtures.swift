import Crypto
import Foundation
@testable import Identity

/// Fixed keys and claims: deterministic inputs (ECDSA output is still randomised, so tests
/// verify signatures rather than compare them).
enum Fixtures {
    // Computed: swift-crypto's keys are not Sendable, so they cannot be stored statics.
    static var key: P256.Signing.PrivateKey { fixedKey(0x11) }
    static var otherKey: P256.Signing.PrivateKey { fixedKey(0x22) }
    static let x5u = "https://cert.example.org/passport.cer"
    static var signer: PASSporTSigner { PASSporTSigner(key: key, x5u: x5u) }
    static let verifier = PASSporTVerifier()
    static let iat: Int64 = 1_443_208_345
    static let uuid = "123e4567-e89b-12d3-a456-426655440000"

    static func fixedKey(_ byte: UInt8) -> P256.Signing.PrivateKey {
        // Any 32-byte value in [1, n-1] is a valid P-256 scalar; a repeated byte is.
        guard let k = try? P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: byte, count: 32)) else {
            fatalError("fixed test key rejected")
        }
        return k
    }

    static var shakenClaims: PASSporTClaims {
        PASSporTClaims(orig: .tn("12155550121"), dest: PASSporTDestination(tn: ["12155550131"]), iat: iat, attest: "A", origid: uuid)
    }

    static func jws(header: JSONValue, payload: JSONValue, key: P256.Signing.PrivateKey = key) throws -> String {
        try PASSporTSigner(key: key, x5u: x5u).signUnchecked(header: header, payload: payload)
    }

    /// A full-form JWS from literal header and payload text (signed as-is, not canonicalised).
    static func jwsRaw(header: String, payload: String, key: P256.Signing.PrivateKey = key) throws -> String {
        let input = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        let sig = try key.signature(for: Array(input.utf8)).rawRepresentation
        return input + "." + Base64URL.encode(Array(sig))
    }

    static let shakenHeader: JSONValue = .object(["alg": "ES256", "typ": "passport", "ppt": "shaken", "x5u": .string(x5u)])

    static func rejection(_ body: () throws(PASSporTRejection) -> VerifiedPASSporT) -> PASSporTRejection? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }
}
