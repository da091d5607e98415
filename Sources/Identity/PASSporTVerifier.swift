import Crypto
import SIPCore

/// A PASSporT whose signature verified and whose claims conform.
public struct VerifiedPASSporT: Hashable, Sendable {
    public var header: PASSporTHeader
    public var claims: PASSporTClaims
    /// The header and payload JSON as received (full form) or as rebuilt (compact form).
    public var headerJSON: JSONValue
    public var payloadJSON: JSONValue
    public var isCompactForm: Bool
}

/// The JWS and claim layer of an STI-VS (RFC 8224 §6.2 step 5, RFC 8225 §§4-5, RFC 8588, RFC 9795).
/// Order: header shape, alg, typ, ppt, signature format, signature, then claims. Freshness,
/// certificates and SIP comparisons are separate policies.
public struct PASSporTVerifier: Sendable {
    public init() {}

    /// Full form. `expectedPPT`, when given, must equal the header's `ppt` (nil inner value = absent).
    public func verify(_ jws: String, key: P256.Signing.PublicKey, expectedPPT: String?? = .none) throws(PASSporTRejection) -> VerifiedPASSporT {
        let checked: (PASSporTHeader, JSONValue, JSONValue)
        do { checked = try Self.verifyFullJWS(jws, key: key, expectedPPT: expectedPPT) } catch { throw PASSporTRejection(error) }
        return try Self.finish(header: checked.0, headerJSON: checked.1, payloadJSON: checked.2, compact: false)
    }

    /// Compact form `..signature`: the caller rebuilds header and claims from the SIP request
    /// (RFC 8224 §5.2); they are canonicalised and the signature checked over that.
    public func verifyCompact(_ jws: String, header: PASSporTHeader, claims: PASSporTClaims,
                              key: P256.Signing.PublicKey) throws(PASSporTRejection) -> VerifiedPASSporT {
        let checked: PASSporTHeader
        do { checked = try Self.verifyCompactJWS(jws, header: header.json, payload: claims.json, key: key) } catch {
            throw PASSporTRejection(error)
        }
        return try Self.finish(header: checked, headerJSON: header.json, payloadJSON: claims.json, compact: true)
    }

    static func verifyFullJWS(_ jws: String, key: P256.Signing.PublicKey,
                              expectedPPT: String??) throws(PASSporTError) -> (PASSporTHeader, JSONValue, JSONValue) {
        let parts = try JWSParts(jws)
        guard !parts.isCompactForm else { throw .compactFormNeedsReconstruction }
        let headerJSON = try parts.decodedHeader()
        let header = try checkHeader(headerJSON, expectedPPT: expectedPPT)
        let signature = try parts.decodedSignature()
        // Decode the payload first so a base64 error is not reported as a bad signature.
        do { _ = try Base64URL.decode(parts.payloadSegment) } catch { throw .malformedBase64URL(.payload, error) }
        try ES256.verify(signature: signature, over: parts.signingInput, key: key)
        return (header, headerJSON, try parts.decodedPayload())
    }

    static func verifyCompactJWS(_ jws: String, header: JSONValue, payload: JSONValue,
                                 key: P256.Signing.PublicKey) throws(PASSporTError) -> PASSporTHeader {
        let parts = try JWSParts(jws)
        guard parts.isCompactForm else { throw .notCompactForm }
        let checked = try checkHeader(header, expectedPPT: .none)
        let signature = try parts.decodedSignature()
        try ES256.verify(signature: signature, over: PASSporT.signingInput(header: header, payload: payload), key: key)
        return checked
    }

    /// An Identity header value: its `ppt` parameter must match the PASSporT's. A compact-form
    /// value needs `reconstructed` header and claims.
    public func verify(_ identity: IdentityValue, key: P256.Signing.PublicKey,
                       reconstructed: (header: PASSporTHeader, claims: PASSporTClaims)? = nil) throws(PASSporTRejection) -> VerifiedPASSporT {
        // RFC 8224 §4: an absent alg parameter means ES256; anything else is unsupported.
        if let alg = identity.alg, alg != ES256.name { throw PASSporTRejection(.unsupportedAlgorithm(alg)) }
        guard identity.isCompactForm else { return try verify(identity.jws, key: key, expectedPPT: .some(identity.ppt)) }
        guard let reconstructed else { throw PASSporTRejection(.compactFormNeedsReconstruction) }
        guard reconstructed.header.ppt == identity.ppt else {
            throw PASSporTRejection(.pptMismatch(expected: identity.ppt, found: reconstructed.header.ppt))
        }
        return try verifyCompact(identity.jws, header: reconstructed.header, claims: reconstructed.claims, key: key)
    }

    static func checkAlgorithm(_ headerJSON: JSONValue) throws(PASSporTError) {
        guard let v = headerJSON["alg"] else { throw .missingHeaderParameter("alg") }
        guard let alg = v.stringValue else { throw .headerParameterNotString("alg", found: v.kind) }
        // Exact match: "none", "HS256" and case variants are algorithm-substitution attempts.
        guard alg == ES256.name else { throw .unsupportedAlgorithm(alg) }
    }

    static func checkHeader(_ json: JSONValue, expectedPPT: String??) throws(PASSporTError) -> PASSporTHeader {
        try checkAlgorithm(json)
        let header = try PASSporTHeader.parse(json)
        guard header.typ == "passport" else { throw .wrongType(header.typ) }
        if case .some(let expected) = expectedPPT, expected != header.ppt {
            throw .pptMismatch(expected: expected, found: header.ppt)
        }
        return header
    }

    static func finish(header: PASSporTHeader, headerJSON: JSONValue, payloadJSON: JSONValue,
                       compact: Bool) throws(PASSporTRejection) -> VerifiedPASSporT {
        switch PASSporTClaims.parse(payloadJSON, ppt: header.ppt) {
        case .failure(let r): throw r
        case .success(let claims):
            return VerifiedPASSporT(header: header, claims: claims, headerJSON: headerJSON, payloadJSON: payloadJSON, isCompactForm: compact)
        }
    }
}
