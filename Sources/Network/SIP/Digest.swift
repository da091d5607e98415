import Crypto
import SIPCore

/// HTTP digest for SIP (RFC 3261 §22, RFC 8760): MD5 and SHA-256, qop=auth.
enum Digest {
    enum Algorithm: String, CaseIterable {
        case sha256 = "SHA-256", md5 = "MD5"

        init?(name: String) {
            // The usual spelling is the raw value itself: matched without an upper-cased copy.
            if let exact = Self(rawValue: name) {
                self = exact
                return
            }
            switch name.uppercased() {
            case "SHA-256": self = .sha256
            case "MD5": self = .md5
            default: return nil
            }
        }

        /// RFC 8760: prefer the strongest.
        var strength: Int { self == .sha256 ? 2 : 1 }

        func hex(_ s: String) -> String { hex(bytes: Array(s.utf8)) }

        func hex(bytes: [UInt8]) -> String {
            switch self {
            case .md5: return Self.hexString(Insecure.MD5.hash(data: bytes))
            case .sha256: return Self.hexString(SHA256.hash(data: bytes))
            }
        }

        /// Lowercase hex of a digest, read in place (copying it into an Array first cost more
        /// than the hex).
        private static func hexString<D: Crypto.Digest>(_ d: D) -> String {
            d.withUnsafeBytes { raw in
                String(unsafeUninitializedCapacity: raw.count * 2) { out in
                    for (i, b) in raw.enumerated() {
                        out[2 * i] = hexDigit(b >> 4)
                        out[2 * i + 1] = hexDigit(b & 0xF)
                    }
                    return raw.count * 2
                }
            }
        }
    }

    /// response = H(H(user:realm:pw):nonce:nc:cnonce:qop:H(method:uri)).
    static func response(_ alg: Algorithm, user: String, realm: String, password: String, method: String, uri: String,
                         nonce: String, nc: String, cnonce: String, qop: String) -> String {
        response(alg, user: user, realm: realm, password: Array(password.utf8), method: method, uri: uri, nonce: nonce, nc: nc,
                 cnonce: cnonce, qop: qop)
    }

    /// A binary password: IMS AKA uses RES as it is (RFC 3310 §3.3), MD5 for AKAv1-MD5.
    static func response(_ alg: Algorithm, user: String, realm: String, password: [UInt8], method: String, uri: String,
                         nonce: String, nc: String, cnonce: String, qop: String) -> String {
        response(alg, ha1: ha1(alg, user: user, realm: realm, password: password), ha2: ha2(alg, method: method, uri: uri),
                 nonce: nonce, nc: nc, cnonce: cnonce, qop: qop)
    }

    /// H(user:realm:password).
    static func ha1(_ alg: Algorithm, user: String, realm: String, password: [UInt8]) -> String {
        alg.hex(bytes: colonJoined([user, realm, ""]) + password)
    }

    /// H(method:uri).
    static func ha2(_ alg: Algorithm, method: String, uri: String) -> String {
        alg.hex(bytes: colonJoined([method, uri]))
    }

    /// H(ha1:nonce:nc:cnonce:qop:ha2).
    static func response(_ alg: Algorithm, ha1: String, ha2: String, nonce: String, nc: String, cnonce: String,
                         qop: String) -> String {
        alg.hex(bytes: colonJoined([ha1, nonce, nc, cnonce, qop, ha2]))
    }

    /// `given?.lowercased() == expected` for an `expected` made by `hex` (lower-case hex digits),
    /// without the lower-cased copy: ASCII letters compared case-blind, other bytes as they
    /// are. No other character lower-cases to a hex digit or is canonically equivalent to one,
    /// so a non-ASCII answer fails both ways.
    static func responseMatches(_ given: String?, expected: String) -> Bool {
        guard var given, given.utf8.count == expected.utf8.count else { return false }
        var expected = expected
        // Compared in the Strings' storage: walking their UTF-8 views cost ~70 instructions a byte.
        return given.withUTF8 { g in
            expected.withUTF8 { e in
                for i in 0..<g.count where (g[i] &- UInt8(ascii: "A") < 26 ? g[i] | 0x20 : g[i]) != e[i] { return false }
                return true
            }
        }
    }

    /// `parts` joined by ':' as UTF-8: the hash inputs, without an interpolated String.
    private static func colonJoined(_ parts: [String]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(parts.reduce(parts.count) { $0 + $1.utf8.count })
        for i in parts.indices {
            if i > 0 { out.append(0x3A) }
            // From the String's storage in one copy (a bridged one by its view).
            if parts[i].utf8.withContiguousStorageIfAvailable({ out.append(contentsOf: $0) }) == nil {
                out.append(contentsOf: parts[i].utf8)
            }
        }
        return out
    }
}

/// H(A1) and H(A2) (RFC 7616 §3.4.2) of the last digest response, kept with what they were
/// hashed from: the next response with the same user, realm, password, method and uri (a UE
/// answering each new challenge, a registrar checking a subscriber) hashes only the part
/// that depends on the nonce. Same inputs, same hashes: the response is unchanged.
struct DigestMemo {
    private var ha1: (algorithm: Digest.Algorithm, user: String, realm: String, password: [UInt8], hash: String)?
    private var ha2: (algorithm: Digest.Algorithm, method: String, uri: String, hash: String)?

    /// `Digest.response` with the password as bytes.
    mutating func response(_ alg: Digest.Algorithm, user: String, realm: String, password: [UInt8], method: String,
                           uri: String, nonce: String, nc: String, cnonce: String, qop: String) -> String {
        let a1: String
        if let h = ha1, h.algorithm == alg, h.user == user, h.realm == realm, h.password == password {
            a1 = h.hash
        } else {
            a1 = Digest.ha1(alg, user: user, realm: realm, password: password)
            ha1 = (alg, user, realm, password, a1)
        }
        let a2: String
        if let h = ha2, h.algorithm == alg, h.method == method, h.uri == uri {
            a2 = h.hash
        } else {
            a2 = Digest.ha2(alg, method: method, uri: uri)
            ha2 = (alg, method, uri, a2)
        }
        return Digest.response(alg, ha1: a1, ha2: a2, nonce: nonce, nc: nc, cnonce: cnonce, qop: qop)
    }
}

/// The fields of a digest answer (Authorization) a registrar checks, each read once: every
/// read scans the credentials' parameter list.
struct DigestAnswer {
    let username: String?
    let uri: String?
    let response: String?
    let cnonce: String?
    /// nonce-count as written (8 hex digits).
    let nc: String?
    let qop: String?
    let algorithm: String?

    init(_ c: Credentials) {
        username = c.username
        uri = c.uri
        response = c.response
        cnonce = c.cnonce
        nc = c.nc
        qop = c.qop
        algorithm = c.algorithm
    }
}
