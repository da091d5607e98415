/// Which part of a JWS a problem sits in.
public enum JWSSegment: String, Hashable, Sendable {
    case header, payload, signature
}

/// One precise reason a PASSporT (or its JWS) is rejected.
public enum PASSporTError: Error, Hashable, Sendable, CustomStringConvertible {
    // JWS layer
    /// Not three dot-separated segments.
    case malformedJWS(segmentCount: Int)
    case malformedBase64URL(JWSSegment, Base64Error)
    case malformedJSON(JWSSegment, JSONError)
    /// The header or payload is JSON but not an object.
    case notAnObject(JWSSegment, found: JSONKind)
    case missingHeaderParameter(String)
    case headerParameterNotString(String, found: JSONKind)
    /// Anything but ES256, including "none" and "HS256" (algorithm substitution).
    case unsupportedAlgorithm(String)
    case wrongType(String)
    /// The `ppt` header differs from what the caller expected (e.g. the Identity `ppt` parameter).
    case pptMismatch(expected: String?, found: String?)
    /// ES256 signatures are raw R||S (RFC 7518 §3.4); an ASN.1 SEQUENCE is a common interop bug.
    case derEncodedSignature(length: Int)
    case badSignatureLength(Int)
    case signatureMismatch
    /// Compact form was given where the full form is needed, or vice versa.
    case compactFormNeedsReconstruction
    case notCompactForm

    // Claims (RFC 8225)
    case missingClaim(String)
    /// `iat` must be a NumericDate integer; a string (RFC 8588 §6 erratum 6656) or fraction is rejected.
    case iatNotInteger(found: JSONKind)
    case origWrongShape(String)
    case destWrongShape(String)
    case claimWrongType(String, expected: JSONKind, found: JSONKind)

    // SHAKEN (RFC 8588)
    case invalidAttestation(String)
    case origidNotUUID(String)

    // Rich Call Data (RFC 9795)
    case rcdOrCrnRequired
    case rcdMissingName
    case rcdJcdWithJcl
    case rcdiMalformedPointer(String)
    case rcdiMalformedDigest(pointer: String, value: String)

    public var description: String {
        switch self {
        case .malformedJWS(let n): "JWS must have 3 dot-separated segments, found \(n)"
        case .malformedBase64URL(let seg, let e): "malformed base64url in the JWS \(seg.rawValue): \(e)"
        case .malformedJSON(let seg, let e): "malformed JSON in the JWS \(seg.rawValue): \(e)"
        case .notAnObject(let seg, let k): "JWS \(seg.rawValue) must be a JSON object, found \(k)"
        case .missingHeaderParameter(let p): "JWS header lacks \"\(p)\""
        case .headerParameterNotString(let p, let k): "JWS header \"\(p)\" must be a string, found \(k)"
        case .unsupportedAlgorithm(let a): "unsupported alg \"\(a)\" (only ES256 is accepted)"
        case .wrongType(let t): "typ is \"\(t)\", expected \"passport\""
        case .pptMismatch(let e, let f): "ppt is \(f.map { "\"\($0)\"" } ?? "absent"), expected \(e.map { "\"\($0)\"" } ?? "absent")"
        case .derEncodedSignature(let n): "signature is DER-encoded (\(n)-byte ASN.1 SEQUENCE); ES256 requires raw 64-byte R||S"
        case .badSignatureLength(let n): "ES256 signature must be 64 bytes (R||S), found \(n)"
        case .signatureMismatch: "signature does not verify over the received header.payload"
        case .compactFormNeedsReconstruction: "compact-form PASSporT: header and claims must be rebuilt from the SIP request"
        case .notCompactForm: "expected compact form (..signature), found a full-form JWS"
        case .missingClaim(let c): "required claim \"\(c)\" is missing"
        case .iatNotInteger(let k): "iat must be an integer NumericDate, found \(k)"
        case .origWrongShape(let d): "orig has the wrong shape: \(d)"
        case .destWrongShape(let d): "dest has the wrong shape: \(d)"
        case .claimWrongType(let c, let e, let f): "claim \"\(c)\" must be \(e), found \(f)"
        case .invalidAttestation(let a): "SHAKEN attest \"\(a)\" is not A, B or C"
        case .origidNotUUID(let o): "SHAKEN origid \"\(o)\" is not a UUID (8-4-4-4-12 hex)"
        case .rcdOrCrnRequired: "ppt \"rcd\" requires an rcd or crn claim"
        case .rcdMissingName: "rcd lacks the mandatory \"nam\""
        case .rcdJcdWithJcl: "rcd carries both jcd and jcl (at most one is allowed)"
        case .rcdiMalformedPointer(let p): "rcdi key \"\(p)\" is not a JSON pointer"
        case .rcdiMalformedDigest(let p, let v): "rcdi digest for \"\(p)\" is malformed: \"\(v)\""
        }
    }
}

/// A rejected PASSporT: the first reason plus any further claim problems found alongside it.
public struct PASSporTRejection: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: PASSporTError
    public var otherReasons: [PASSporTError]

    public init(_ reason: PASSporTError, otherReasons: [PASSporTError] = []) {
        self.reason = reason
        self.otherReasons = otherReasons
    }

    /// Every reason, first one first.
    public var reasons: [PASSporTError] { [reason] + otherReasons }

    public var description: String { reasons.map(\.description).joined(separator: "; ") }
}
