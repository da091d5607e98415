import Foundation

/// IMS AKA over HTTP digest (RFC 3310, TS 33.203): `algorithm=AKAv1-MD5`,
/// nonce = base64(RAND ‖ AUTN), AUTN = (SQN ⊕ AK) ‖ AMF ‖ MAC-A, and the digest password is
/// RES as raw bytes. Sync failure answers `auts` = base64((SQN_MS ⊕ AK*) ‖ MAC-S) with an
/// empty password (RFC 3310 §3.4).
enum AKA {
    static let algorithm = "AKAv1-MD5"

    /// What the HSS hands the S-CSCF for one challenge.
    struct Vector: Equatable {
        var rand: [UInt8]
        var autn: [UInt8]
        var xres: [UInt8]
        var ck: [UInt8]
        var ik: [UInt8]
        var nonce: String { Data(rand + autn).base64EncodedString() }
    }

    /// Network side: the vector for `rand` and `sqn` (48 bits).
    static func vector(_ m: Milenage, rand: [UInt8], sqn: UInt64, amf: [UInt8]) -> Vector {
        let sqnBytes = bytes48(sqn)
        let mac = m.f1(rand: rand, sqn: sqnBytes, amf: amf)
        let f = m.f2345(rand: rand)
        return Vector(rand: rand, autn: xorBytes(sqnBytes, f.ak) + amf + mac.macA, xres: f.res, ck: f.ck, ik: f.ik)
    }

    /// RAND and AUTN from a nonce (extra server data after them is ignored).
    static func split(nonce: String) -> (rand: [UInt8], autn: [UInt8])? {
        guard let d = Data(base64Encoded: nonce), d.count >= 32 else { return nil }
        let b = [UInt8](d)
        return (Array(b[0..<16]), Array(b[16..<32]))
    }

    /// What the USIM makes of a challenge (TS 33.102 §6.3.3).
    enum Answer: Equatable {
        /// Network authenticated, SQN fresh: RES is the password.
        case accepted(res: [UInt8], sqn: UInt64, ck: [UInt8], ik: [UInt8])
        /// MAC-A wrong: the network is not the home network's (empty response, no auts).
        case macFailure
        /// MAC-A right but SQN not above SQN_MS: a replayed challenge; AUTS for resync.
        case syncFailure(auts: [UInt8])
        case malformed
    }

    /// UE side: checks AUTN against K/OPc and the highest SQN seen (`sqnMS`). The two
    /// checks can be switched off to model a USIM / client that skips them.
    static func answer(_ m: Milenage, nonce: String, sqnMS: UInt64, checkMAC: Bool = true, checkSQN: Bool = true) -> Answer {
        guard let parts = split(nonce: nonce) else { return .malformed }
        let rand = parts.rand, autn = parts.autn
        let f = m.f2345(rand: rand)
        let sqnBytes = xorBytes(Array(autn[0..<6]), f.ak)
        let amf = Array(autn[6..<8])
        guard !checkMAC || m.f1(rand: rand, sqn: sqnBytes, amf: amf).macA == Array(autn[8..<16]) else { return .macFailure }
        let sqn = value48(sqnBytes)
        guard !checkSQN || sqn > sqnMS else { return .syncFailure(auts: auts(m, rand: rand, sqnMS: sqnMS)) }
        return .accepted(res: f.res, sqn: sqn, ck: f.ck, ik: f.ik)
    }

    /// AUTS = (SQN_MS ⊕ AK*) ‖ MAC-S, MAC-S = f1*(K, SQN_MS, RAND, AMF* = 0000).
    static func auts(_ m: Milenage, rand: [UInt8], sqnMS: UInt64) -> [UInt8] {
        let s = bytes48(sqnMS)
        return xorBytes(s, m.f5star(rand: rand)) + m.f1(rand: rand, sqn: s, amf: [0, 0]).macS
    }

    /// Network side of a resync: SQN_MS when MAC-S verifies, else nil.
    static func resync(_ m: Milenage, rand: [UInt8], auts: [UInt8]) -> UInt64? {
        guard auts.count == 14 else { return nil }
        let s = xorBytes(Array(auts[0..<6]), m.f5star(rand: rand))
        guard m.f1(rand: rand, sqn: s, amf: [0, 0]).macS == Array(auts[6..<14]) else { return nil }
        return value48(s)
    }

    static func base64(_ text: String) -> [UInt8]? { Data(base64Encoded: text).map { [UInt8]($0) } }

    static func bytes48(_ v: UInt64) -> [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: v >> (8 * (5 - $0))) } }
    static func value48(_ b: [UInt8]) -> UInt64 { b.prefix(6).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }

    static func hex(_ b: [UInt8]) -> String {
        String(decoding: b.flatMap { [hexDigit($0 >> 4), hexDigit($0 & 0xF)] }, as: UTF8.self)
    }

    /// Even-length hex text to bytes; nil for anything else.
    static func bytes(hex text: String) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - 87
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - 55
        default: return nil
        }
    }
}
