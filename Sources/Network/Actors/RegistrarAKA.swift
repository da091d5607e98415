import SIPCore

/// The S-CSCF side of IMS AKA (TS 33.203 §6.1, RFC 3310) for subscribers with AKA credentials:
/// the inline HSS makes a vector per challenge (SQN counting up per subscriber), the 401
/// carries `ck=`/`ik=` for the P-CSCF (TS 33.203 §7.1), the answer is checked against XRES.
extension Registrar {
    func registerAKA(_ x: inout ProxyExchange, _ s: SCSCF, _ sub: SubscriberSpec, _ aka: AKASubscription, _ creds: [Credentials]) {
        let milenage: Milenage
        do { milenage = try Milenage(aka) } catch {
            x.reject(403, "Forbidden")
            s.note(name, "AKA credentials of \(sub.name) unusable: \(error)")
            return
        }
        guard let akaCredentials = creds.first(where: { $0.algorithm?.uppercased() == AKA.algorithm.uppercased() }),
              let nonce = akaCredentials.nonce else {
            return challengeAKA(&x, s, sub, aka, milenage, why: "challenged \(sub.name) (\(AKA.algorithm))")
        }
        // Sync failure (RFC 3310 §3.4): the USIM saw an SQN not above its own. With the RAND of
        // a nonce issued here, MAC-S proves SQN_MS and the HSS counts on from it.
        if let text = akaCredentials.parameters["auts"] {
            let vector = s.nonces.entries[nonce]?.vector
            s.nonces.drop(nonce)
            guard let vector else {
                return challengeAKA(&x, s, sub, aka, milenage, why: "auts for a nonce not issued here: new challenge, no resync")
            }
            guard let auts = AKA.base64(text), let sqnMS = AKA.resync(milenage, rand: vector.rand, auts: auts) else {
                return challengeAKA(&x, s, sub, aka, milenage, why: "auts with a wrong MAC-S: new challenge, SQN kept")
            }
            s.akaSQN[sub.name] = sqnMS
            return challengeAKA(&x, s, sub, aka, milenage,
                                why: "auts verified: SQN re-synchronised to \(String(sqnMS, radix: 16)), new challenge")
        }
        let c = DigestAnswer(akaCredentials)
        // The UE could not authenticate the network (bad MAC-A): empty response, no auts.
        if (c.response ?? "").isEmpty {
            s.nonces.drop(nonce)
            x.reject(403, "Forbidden")
            s.note(name, "\(sub.name) answered with an empty response (network authentication failed at the UE): 403")
            return
        }
        guard case .fresh = s.nonces.check(nonce, nc: c.nc, nowMs: s.nowMs, checkReplay: s.checksNonceReplay),
              let vector = s.nonces.entries[nonce]?.vector else {
            return challengeAKA(&x, s, sub, aka, milenage, why: "AKA nonce unknown, expired or replayed: new challenge")
        }
        let expected = Digest.response(.md5, user: sub.name, realm: s.domain, password: vector.xres, method: "REGISTER",
                                       uri: c.uri ?? "", nonce: nonce, nc: c.nc ?? "", cnonce: c.cnonce ?? "", qop: c.qop ?? "auth")
        settle(&x, s, sub, c, nonce: nonce, expected: expected,
               wrong: "AKA response of \(c.username ?? "?") does not match XRES: 403", verified: "AKA RES of \(sub.name) verified")
    }

    private func challengeAKA(_ x: inout ProxyExchange, _ s: SCSCF, _ sub: SubscriberSpec, _ aka: AKASubscription, _ m: Milenage,
                              why: String) {
        let sqn = (s.akaSQN[sub.name] ?? aka.sqn) + 1
        s.akaSQN[sub.name] = sqn
        var rand: [UInt8] = []
        for _ in 0..<2 { let w = s.ctx.random.next(); for j in 0..<8 { rand.append(UInt8(truncatingIfNeeded: w >> (8 * j))) } }
        let v = AKA.vector(m, rand: rand, sqn: sqn & 0xFFFF_FFFF_FFFF, amf: aka.amf)
        s.nonces.issue(v.nonce, algorithm: .md5, vector: v, nowMs: s.nowMs)
        let value = "Digest realm=\"\(s.domain)\", nonce=\"\(v.nonce)\", algorithm=\(AKA.algorithm), qop=\"auth\", "
            + "ck=\"\(AKA.hex(v.ck))\", ik=\"\(AKA.hex(v.ik))\""
        x.reject(401, "Unauthorized", extra: [("WWW-Authenticate", value)])
        s.note(name, why)
    }
}

/// P-CSCF (TS 33.203 §7.1): CK and IK in the 401 are for the P-CSCF's security association
/// and are removed before the challenge goes to the UE.
struct StripAKAKeys: ProxyRule {
    let name = "StripAKAKeys"
    func onResponse(_ response: inout SIPMessage, request: ProxyExchange, _ e: ProxyElement) {
        // The message's bytes hold every value's (a folded line only adds a space): without
        // "ck" or "ik" anywhere, no value is cut out and tested.
        guard request.method == "REGISTER", response.statusCode == 401, Self.mayNameKeys(bytes: response.bytes),
              response.values(.wwwAuthenticate).contains(where: Self.mayNameKeys) else { return }
        let challenges = response.challenges
        guard challenges.contains(where: { $0.parameters.contains("ck") || $0.parameters.contains("ik") }) else { return }
        let cleaned = challenges.map { c -> String in
            var c = c
            c.parameters.remove("ck")
            c.parameters.remove("ik")
            return c.description
        }
        response.setHeader("WWW-Authenticate", values: cleaned)
        e.note(name, "ck/ik kept for the security association, removed from the 401 to the UE")
    }

    /// Whether a WWW-Authenticate value holds "ck" or "ik" in any case. Without either no
    /// challenge in it has a ck or ik parameter (names are tokens, read as written and compared
    /// ASCII case-insensitively), so a digest 401 is passed on without parsing its challenges.
    static func mayNameKeys(_ text: String) -> Bool {
        var text = text
        // From the contiguous bytes: a UTF-8 view is read byte by byte.
        return text.withUTF8 { mayNameKeys($0) }
    }

    static func mayNameKeys(bytes: [UInt8]) -> Bool { bytes.withUnsafeBufferPointer { mayNameKeys($0) } }

    private static func mayNameKeys(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        var previous: UInt8 = 0
        for b in p {
            let folded = b | 0x20  // 'C' 'I' 'K' to lower case; only they fold onto 'c' 'i' 'k'
            if folded == UInt8(ascii: "k"), previous == UInt8(ascii: "c") || previous == UInt8(ascii: "i") { return true }
            previous = folded
        }
        return false
    }
}
