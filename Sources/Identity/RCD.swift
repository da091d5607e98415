import Crypto

/// Rich Call Data rules (RFC 9795 §5, §8).
public enum RCDRules {
    public static let ppt = "rcd"

    /// rcd rules apply wherever rcd appears (it may ride in a "shaken" PASSporT, §13);
    /// the rcd-or-crn requirement applies only to ppt "rcd".
    /// `rcdJSON` is the received rcd value: a present but mistyped `nam` is reported once, as a type error.
    static func problems(ppt: String?, rcd: RichCallData?, rcdJSON: JSONValue?, crnPresent: Bool) -> [PASSporTError] {
        var out: [PASSporTError] = []
        if ppt == Self.ppt, rcdJSON == nil, !crnPresent { out.append(.rcdOrCrnRequired) }
        if rcd != nil, rcdJSON?["nam"] == nil { out.append(.rcdMissingName) }
        return out
    }

    /// Constraint breaches (§5.1.5: `jcd` xor `jcl`) that a signer must refuse but a verifier
    /// answers by using no rcd claim (§8.1), not by rejecting the PASSporT.
    public static func constraintBreaches(_ rcd: RichCallData?) -> [PASSporTError] {
        guard let rcd, rcd.jcd != nil, rcd.jcl != nil else { return [] }
        return [.rcdJcdWithJcl]
    }
}

/// An `rcdi` digest value: `sha256-<base64>` (also sha384, sha512; RFC 9795 §6).
public struct RCDIDigest: Hashable, Sendable, CustomStringConvertible {
    public enum Algorithm: String, Hashable, Sendable, CaseIterable {
        case sha256, sha384, sha512

        var length: Int {
            switch self {
            case .sha256: 32
            case .sha384: 48
            case .sha512: 64
            }
        }

        public func hash(_ bytes: [UInt8]) -> [UInt8] {
            switch self {
            case .sha256: Array(SHA256.hash(data: bytes))
            case .sha384: Array(SHA384.hash(data: bytes))
            case .sha512: Array(SHA512.hash(data: bytes))
            }
        }
    }

    public var algorithm: Algorithm
    public var digest: [UInt8]

    public init(algorithm: Algorithm, digest: [UInt8]) {
        self.algorithm = algorithm
        self.digest = digest
    }

    /// Digest of `bytes` under `algorithm`.
    public init(algorithm: Algorithm, of bytes: [UInt8]) {
        self.init(algorithm: algorithm, digest: algorithm.hash(bytes))
    }

    /// Parses `<alg>-<std base64, padding optional>`; nil when malformed or the wrong length.
    public init?(_ text: String) {
        guard let dash = text.firstIndex(of: "-"), let alg = Algorithm(rawValue: String(text[..<dash])),
              let bytes = try? Base64Standard.decode(text[text.index(after: dash)...]), bytes.count == alg.length
        else { return nil }
        self.init(algorithm: alg, digest: bytes)
    }

    /// Unpadded, like the RFC 9795 examples.
    public var description: String { algorithm.rawValue + "-" + Base64Standard.encode(digest) }
}

/// The outcome for one `rcdi` pointer. A failure marks that element "not verified"; per
/// RFC 9795 §8.2 the PASSporT itself stays valid.
public enum RCDIStatus: Error, Hashable, Sendable {
    case verified
    case mismatch(expected: String, computed: String)
    /// The URL's content was not in the store (not fetched, or the fetch failed).
    case missingContent(url: String)
    /// Fetched jCard content (for `/jcl/...`) is not JSON.
    case unparsableContent(url: String, JSONError)
    /// The pointer names nothing in `rcd` (or in the fetched jCard).
    case unresolvablePointer
    case malformedPointer
    case malformedDigest
}

public struct RCDIResult: Error, Hashable, Sendable {
    public var pointer: String
    public var status: RCDIStatus
    public var isVerified: Bool { status == .verified }
}

/// What a pointer's digest is computed over.
/// Pointers are relative to the `rcd` object (`/nam`, `/jcd/1/3/3`, `/icn`). `/icn` and `/jcl`
/// name URLs, so their digest covers the fetched body from `contentStore` (keyed by URL);
/// `/jcl/<rest>` resolves `<rest>` inside the fetched jCard. Every other pointer covers the
/// canonical JSON of the value it names, strings with their quotes: the RFC 9795 §6.1.3 example
/// hashes `/jcd/1/3/3` (a URI inside jcd) as the quoted string, not as the fetched body.
public func rcdiDigestInput(pointer: String, rcd: JSONValue, contentStore: [String: [UInt8]]) -> Result<[UInt8], RCDIStatus> {
    guard !pointer.isEmpty, let p = JSONPointer(pointer) else { return .failure(.malformedPointer) }
    if let first = p.tokens.first, first == "icn" || first == "jcl" {
        guard let url = rcd[first]?.stringValue else { return .failure(.unresolvablePointer) }
        guard let body = contentStore[url] else { return .failure(.missingContent(url: url)) }
        if p.tokens.count == 1 { return .success(body) }
        guard first == "jcl" else { return .failure(.unresolvablePointer) }
        let card: JSONValue
        do { card = try JSONValue.parse(body) } catch { return .failure(.unparsableContent(url: url, error)) }
        guard let v = JSONPointer.resolve(p.tokens.dropFirst(), in: card) else { return .failure(.unresolvablePointer) }
        return .success(v.canonicalBytes)
    }
    guard let v = p.resolve(in: rcd) else { return .failure(.unresolvablePointer) }
    return .success(v.canonicalBytes)
}

/// Checks every `rcdi` entry against `claims.rcd` and fetched content (RFC 9795 §6, §8.2).
public func verifyRCDI(_ claims: PASSporTClaims, contentStore: [String: [UInt8]]) -> [RCDIResult] {
    guard let entries = claims.rcdi else { return [] }
    let rcd = claims.rcd?.json ?? .object([])
    return entries.map { entry in
        guard let expected = RCDIDigest(entry.digest) else { return RCDIResult(pointer: entry.pointer, status: .malformedDigest) }
        switch rcdiDigestInput(pointer: entry.pointer, rcd: rcd, contentStore: contentStore) {
        case .failure(let status):
            return RCDIResult(pointer: entry.pointer, status: status)
        case .success(let input):
            let computed = RCDIDigest(algorithm: expected.algorithm, of: input)
            // Compare bytes, not text: padding is optional in the received value.
            return RCDIResult(pointer: entry.pointer,
                              status: computed.digest == expected.digest ? .verified
                                  : .mismatch(expected: entry.digest, computed: computed.description))
        }
    }
}

/// Builds `rcdi` entries for `pointers` (signing side); fails with the first pointer's problem.
public func makeRCDI(rcd: RichCallData, pointers: [String], contentStore: [String: [UInt8]] = [:],
                     algorithm: RCDIDigest.Algorithm = .sha256) -> Result<[RCDIEntry], RCDIResult> {
    var out: [RCDIEntry] = []
    for pointer in pointers {
        switch rcdiDigestInput(pointer: pointer, rcd: rcd.json, contentStore: contentStore) {
        case .failure(let status): return .failure(RCDIResult(pointer: pointer, status: status))
        case .success(let input):
            out.append(RCDIEntry(pointer: pointer, digest: RCDIDigest(algorithm: algorithm, of: input).description))
        }
    }
    return .success(out)
}
