import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The three segments of a compact-serialised JWS, kept exactly as received: the signature is
/// checked over these bytes, never over a re-serialisation.
public struct JWSParts: Hashable, Sendable {
    public var headerSegment: Substring
    public var payloadSegment: Substring
    public var signatureSegment: Substring

    public init(_ jws: String) throws(PASSporTError) {
        // Split on the '.' bytes: splitting by Character costs microseconds per token.
        let u = jws.utf8
        // Byte offsets of the first three dots, from contiguous storage when the string has it.
        let offsets: [Int] = u.withContiguousStorageIfAvailable { buffer in
            // memchr: a token is hundreds of bytes and has two dots.
            var found: [Int] = []
            guard let base = buffer.baseAddress else { return found }
            var from = 0
            while found.count < 3, from < buffer.count, let hit = memchr(base + from, Int32(UInt8(ascii: ".")), buffer.count - from) {
                let i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                found.append(i)
                from = i + 1
            }
            return found
        } ?? u.enumerated().filter { $0.element == UInt8(ascii: ".") }.prefix(3).map(\.offset)
        guard offsets.count == 2 else {
            throw .malformedJWS(segmentCount: offsets.count > 2 ? jws.split(separator: ".", omittingEmptySubsequences: false).count : offsets.count + 1)
        }
        let first = u.index(u.startIndex, offsetBy: offsets[0])
        let second = u.index(u.startIndex, offsetBy: offsets[1])
        headerSegment = jws[jws.startIndex..<first]
        payloadSegment = jws[u.index(after: first)..<second]
        signatureSegment = jws[u.index(after: second)...]
    }

    /// RFC 8225 §7 compact form `..signature`.
    public var isCompactForm: Bool { headerSegment.isEmpty && payloadSegment.isEmpty }

    /// ASCII(BASE64URL(header) || '.' || BASE64URL(payload)), RFC 7515 §5.2.
    /// The two segments and their dot are contiguous in the received text: one copy.
    public var signingInput: [UInt8] { Substring(headerSegment.base.utf8[headerSegment.startIndex..<payloadSegment.endIndex]).utf8Bytes }

    public func decodedHeader() throws(PASSporTError) -> JSONValue { try Self.decodeJSON(headerSegment, .header) }
    public func decodedPayload() throws(PASSporTError) -> JSONValue { try Self.decodeJSON(payloadSegment, .payload) }

    public func decodedSignature() throws(PASSporTError) -> [UInt8] {
        do { return try Base64URL.decode(signatureSegment) } catch { throw .malformedBase64URL(.signature, error) }
    }

    static func decodeJSON(_ segment: Substring, _ which: JWSSegment) throws(PASSporTError) -> JSONValue {
        let bytes: [UInt8]
        do { bytes = try Base64URL.decode(segment) } catch { throw .malformedBase64URL(which, error) }
        let json: JSONValue
        do { json = try JSONValue.parse(bytes) } catch { throw .malformedJSON(which, error) }
        guard json.objectMembers != nil else { throw .notAnObject(which, found: json.kind) }
        return json
    }
}

/// ES256 (RFC 7518 §3.4): ECDSA P-256 with SHA-256, signature as raw 64-byte R||S.
public enum ES256 {
    public static let name = "ES256"

    /// A DER ECDSA-Sig-Value: SEQUENCE (0x30), short-form length covering the rest, first INTEGER (0x02).
    static func looksLikeDER(_ sig: [UInt8]) -> Bool {
        sig.count >= 8 && sig[0] == 0x30 && Int(sig[1]) == sig.count - 2 && sig[2] == 0x02
    }

    public static func verify(signature: [UInt8], over input: [UInt8], key: P256.Signing.PublicKey) throws(PASSporTError) {
        guard signature.count == 64 else {
            throw looksLikeDER(signature) ? .derEncodedSignature(length: signature.count) : .badSignatureLength(signature.count)
        }
        guard let sig = try? P256.Signing.ECDSASignature(rawRepresentation: signature), key.isValidSignature(sig, for: sha256(input)) else {
            // A 64-byte DER signature is possible but rare; name it rather than call it a mismatch.
            throw looksLikeDER(signature) ? .derEncodedSignature(length: 64) : .signatureMismatch
        }
    }

    /// Raw R||S. ECDSA is randomised, so two signatures over the same input differ.
    public static func sign(_ input: [UInt8], key: P256.Signing.PrivateKey) throws(PASSporTSigningError) -> [UInt8] {
        do { return Array(try key.signature(for: sha256(input)).rawRepresentation) } catch { throw .crypto(String(describing: error)) }
    }

    /// SHA-256 of the signing input, as ES256 signs and verifies it (what `signature(for:)` and
    /// `isValidSignature(_:for:)` hash a byte collection to), hashed from one contiguous buffer
    /// rather than region by region through the generic `DataProtocol` path.
    static func sha256(_ input: [UInt8]) -> SHA256.Digest {
        var hasher = SHA256()
        input.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize()
    }
}

/// A JWS whose ES256 signature verified; not necessarily a PASSporT.
public struct VerifiedJWS: Hashable, Sendable {
    public var header: JSONValue
    public var payload: [UInt8]
}

extension JWSParts {
    /// Generic JWS check (no PASSporT rules): alg must be ES256 and the signature must verify.
    public static func verifyES256(_ jws: String, key: P256.Signing.PublicKey) throws(PASSporTError) -> VerifiedJWS {
        let parts = try JWSParts(jws)
        guard !parts.isCompactForm else { throw .compactFormNeedsReconstruction }
        let header = try parts.decodedHeader()
        try PASSporTVerifier.checkAlgorithm(header)
        let signature = try parts.decodedSignature()
        let payload: [UInt8]
        do { payload = try Base64URL.decode(parts.payloadSegment) } catch { throw .malformedBase64URL(.payload, error) }
        try ES256.verify(signature: signature, over: parts.signingInput, key: key)
        return VerifiedJWS(header: header, payload: payload)
    }
}
