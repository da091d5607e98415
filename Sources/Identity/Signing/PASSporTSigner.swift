import Crypto
import SIPCore

public enum PASSporTSigningError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The claims break RFC 8225/8588/9795 rules for the `ppt`; use `signUnchecked` to forge on purpose.
    case nonConformingClaims([PASSporTError])
    case crypto(String)

    public var description: String {
        switch self {
        case .nonConformingClaims(let p): "refusing to sign non-conforming claims: " + p.map(\.description).joined(separator: "; ")
        case .crypto(let m): "signing failed: \(m)"
        }
    }
}

/// Signs PASSporTs with ES256 (the STI-AS side). The caller supplies `iat`: no clock here.
public struct PASSporTSigner {
    public let key: P256.Signing.PrivateKey
    /// Certificate URL, written to `x5u` and the Identity `info` parameter.
    public let x5u: String

    /// `b64u(canonical header) '.'` for the usual `ppt` values (none, shaken, rcd): the header
    /// of a signer never changes, so it is encoded once rather than per call.
    /// With each, what `IdentityValue.description` writes after the token (`;info=<x5u>;alg=ES256`
    /// and the `ppt`): also fixed for a signer.
    private let encodedHeaders: [String: (header: [UInt8], parameters: [UInt8])]

    public init(key: P256.Signing.PrivateKey, x5u: String) {
        self.key = key
        self.x5u = x5u
        var encoded: [String: (header: [UInt8], parameters: [UInt8])] = [:]
        for ppt in [nil, SHAKEN.ppt, RCDRules.ppt] as [String?] {
            var segment: [UInt8] = []
            Base64URL.encode(PASSporTHeader(ppt: ppt, x5u: x5u).json.canonicalBytes, into: &segment)
            segment.append(UInt8(ascii: "."))
            encoded[Self.headerKey(ppt)] = (segment, Array(IdentityValue(jws: "", info: x5u, alg: ES256.name, ppt: ppt).description.utf8))
        }
        encodedHeaders = encoded
    }

    private static func headerKey(_ ppt: String?) -> String { ppt.map { "ppt:" + $0 } ?? "none" }

    public func header(ppt: String?) -> PASSporTHeader { PASSporTHeader(ppt: ppt, x5u: x5u) }

    /// Full form `b64u(header).b64u(payload).b64u(R||S)`, header and payload in canonical JSON.
    public func sign(claims: PASSporTClaims, ppt: String?) throws(PASSporTSigningError) -> String {
        String(decoding: try token(claims: claims, ppt: ppt), as: UTF8.self)
    }

    /// `sign` as bytes.
    private func token(claims: PASSporTClaims, ppt: String?) throws(PASSporTSigningError) -> [UInt8] {
        // Usual claims are seen to conform from their fields; others are checked on their JSON
        // (as `problems(ppt:)` does), which also names every problem.
        if !claims.plainlyConform(ppt: ppt) {
            let problems = claims.problems(ppt: ppt)
            if !problems.isEmpty { throw .nonConformingClaims(problems) }
        }
        guard let header = encodedHeaders[Self.headerKey(ppt)]?.header else {
            var jws = PASSporT.signingInput(header: header(ppt: ppt).json, payload: claims.json)
            try appendSignature(to: &jws)
            return jws
        }
        // The token is built in one buffer: the signing input, then '.' and the signature.
        let payloadBytes = claims.canonicalBytes
        var jws: [UInt8] = []
        jws.reserveCapacity(header.count + (payloadBytes.count + 2) / 3 * 4 + 1 + 86)
        jws += header
        Base64URL.encode(payloadBytes, into: &jws)
        try appendSignature(to: &jws)
        return jws
    }

    /// Signs `input` (the JWS signing input) and appends `.b64u(R||S)` to it.
    private func appendSignature(to input: inout [UInt8]) throws(PASSporTSigningError) {
        let signature = try ES256.sign(input, key: key)
        input.append(UInt8(ascii: "."))
        Base64URL.encode(signature, into: &input)
    }

    /// Signs any header and payload as given (canonicalised): for attack and negative scenarios.
    public func signUnchecked(header: JSONValue, payload: JSONValue) throws(PASSporTSigningError) -> String {
        var jws = PASSporT.signingInput(header: header, payload: payload)
        try appendSignature(to: &jws)
        return String(decoding: jws, as: UTF8.self)
    }

    /// An RFC 8224 Identity header value; `compact` drops header and payload (RFC 8225 §7).
    public func identity(claims: PASSporTClaims, ppt: String?, compact: Bool = false) throws(PASSporTSigningError) -> IdentityValue {
        let full = try sign(claims: claims, ppt: ppt)
        return IdentityValue(jws: compact ? PASSporT.compactForm(full) : full, info: x5u, alg: ES256.name, ppt: ppt)
    }

    /// `identity(claims:ppt:compact:).description`, the Identity field's text: for a full-form
    /// token of a usual `ppt` the parameters are appended to its bytes, with no `IdentityValue`
    /// built and written out.
    public func identityField(claims: PASSporTClaims, ppt: String?, compact: Bool = false) throws(PASSporTSigningError) -> String {
        guard !compact, let parameters = encodedHeaders[Self.headerKey(ppt)]?.parameters else {
            return try identity(claims: claims, ppt: ppt, compact: compact).description
        }
        var field = try token(claims: claims, ppt: ppt)
        field += parameters
        return String(decoding: field, as: UTF8.self)
    }
}

/// Encoding helpers shared by signer and verifier.
public enum PASSporT {
    /// ASCII(b64u(canonical header) '.' b64u(canonical payload)).
    public static func signingInput(header: JSONValue, payload: JSONValue) -> [UInt8] {
        var input: [UInt8] = []
        Base64URL.encode(header.canonicalBytes, into: &input)
        input.append(UInt8(ascii: "."))
        Base64URL.encode(payload.canonicalBytes, into: &input)
        return input
    }

    /// `..signature` from any JWS (RFC 8225 §7).
    public static func compactForm(_ jws: String) -> String {
        ".." + (jws.split(separator: ".", omittingEmptySubsequences: false).last.map(String.init) ?? "")
    }
}
