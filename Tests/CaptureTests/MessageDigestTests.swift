@testable import Capture
import Foundation
import SIPCore
import TestSupport
import Testing

/// The audit counts most UDP messages from `MessageDigest` without running SIPCore's parser.
/// That is only sound if a digest that calls itself certain describes a message the parser
/// accepts, with the same values the String accessors give. Checked on well-formed and
/// awkward messages and on thousands of seeded mutations of them.
@Suite struct MessageDigestTests {
    static let bases: [String] = [
        String(decoding: Fixtures.sip("INVITE", body: "v=0\r\n"), as: UTF8.self),
        String(decoding: Fixtures.response(180, "Ringing"), as: UTF8.self),
        String(decoding: Fixtures.response(200, "OK", method: "BYE", toTag: nil), as: UTF8.self),
        SyntheticSample.invite(via: ["UDP 10.0.0.10:5060;branch=z9hG4bKue1"]),
        SyntheticSample.response("200 OK"),
        // compact forms, odd case, spaces before colons, tags with spaces, Identity
        "OPTIONS sip:x@y SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\ni : abc@h\r\nf: <sip:a@h> ; TAG = t1\r\nt:sip:b@h;tag=t2\r\nCSEQ:\t7  OPTIONS\r\ny: a.b.c;info=<https://x.invalid/c.pem>\r\nl: 0\r\n\r\n",
        "sip/2.0 183 Session Progress\r\nVia: SIP/2.0/UDP h\r\nCall-ID: c@h\r\nFrom: \"A;tag=x\" <sip:a@h>;tag=f\r\nTo: sip:b@h;tag=t\r\nCSeq: 1 INVITE\r\nContent-Length: 3\r\n\r\nabcTRAILING",
        "\r\n\r\nREGISTER sip:h SIP/2.0\r\nCall-ID: r@h\r\nCSeq: 1 REGISTER\r\nP-Asserted-Identity: <sip:a@h>\r\nContent-Length: 0\r\n\r\n",
        // what the digest must leave to the parser
        "INVITE sip:b@h SIP/2.0\r\nSubject: folded\r\n  line\r\nCall-ID: f@h\r\nContent-Length: 0\r\n\r\n",
        "INVITE sip:b@h SIP/2.0\nCall-ID: lf@h\nContent-Length: 0\n\n",
        "INVITE sip:b@h SIP/2.0\r\nCall-ID: cr\r@h\r\nContent-Length: 0\r\n\r\n",
        "INVITE sip:b@h SIP/2.0\r\nCall-ID: n@h\r\nContent-Length: 10\r\n\r\nshort",
        "INVITE sip:b@h SIP/3.0\r\nCall-ID: v@h\r\n\r\n",
        "SIP/2.0 099 Low\r\nCall-ID: s@h\r\n\r\n",
        "INVITE  sip:b@h SIP/2.0\r\nCall-ID: s@h\r\n\r\n",
        "INVITE sip:b@h SIP/2.0\r\nCall-ID: no-empty-line@h",
        "INVITE sip:b@h SIP/2.0\r\nBad Header: x\r\n\r\n",
    ]

    static func check(_ bytes: [UInt8], _ label: String) -> Bool {
        bytes.withUnsafeBytes { raw in
            let d = MessageDigest(raw)
            guard d.certain else { return false }
            guard let m = try? SIPMessage(parsing: bytes) else {
                Issue.record("certain digest, but the parser rejects: \(label) \(String(decoding: bytes, as: UTF8.self).debugDescription)")
                return true
            }
            func text(_ r: Range<Int>?) -> String? { r.map { String(decoding: UnsafeRawBufferPointer(rebasing: raw[$0]), as: UTF8.self) } }
            let ctx = "\(label): \(String(decoding: bytes, as: UTF8.self).debugDescription)"
            #expect(d.isRequest == m.isRequest, "\(ctx)")
            #expect(d.isRequest ? text(d.method) == m.method : Int(d.status) == m.statusCode, "\(ctx)")
            #expect(text(d.callID) == m.value(.callID), "\(ctx)")
            #expect(text(d.fromTag(raw)) == m.value(.from).flatMap(DialogTracker.tag), "\(ctx)")
            #expect(text(d.toTag(raw)) == m.value(.to).flatMap(DialogTracker.tag), "\(ctx)")
            #expect(text(d.cseqMethod(raw)) == m.cseqMethod, "\(ctx)")
            #expect(d.hasIdentity == m.contains(.identity), "\(ctx)")
            #expect(d.hasPAI == m.contains(.pAssertedIdentity), "\(ctx)")
            // The reader skips its sniff on this flag: it must never claim more than the sniff.
            if d.sniffed { #expect(SIPSniffer.looksLikeSIP(raw), "sniffed, but the sniffer says no: \(ctx)") }
            return true
        }
    }

    @Test func wellFormedMessagesTakeTheFastPath() {
        for b in Self.bases.prefix(8) { #expect(Self.check(Array(b.utf8), "base"), "\(b.debugDescription)") }
        for b in Self.bases.dropFirst(8) { #expect(!Self.check(Array(b.utf8), "awkward"), "\(b.debugDescription)") }
    }

    /// `sniffed` (skip the sniff) only where the sniffer agrees; the odd cases fall back to it.
    @Test func sniffedMatchesTheSniffer() {
        let long = "INVITE sip:" + String(repeating: "x", count: 1100) + "@h SIP/2.0\r\nCall-ID: l@h\r\nContent-Length: 0\r\n\r\n"
        let cases: [(String, Bool)] = [
            (Self.bases[0], true), (Self.bases[1], true),
            (Self.bases[6], false),  // "sip/2.0" status line: the sniffer wants capitals
            (Self.bases[7], false),  // leading CRLF: the sniffer looks at byte 0
            (long, false),           // start line past the sniffer's 1024-byte window
            ("INVITE sip:b@h sip/2.0\r\nCall-ID: c@h\r\nContent-Length: 0\r\n\r\n", false),
        ]
        for (text, want) in cases {
            let b = Array(text.utf8)
            b.withUnsafeBytes { raw in
                let d = MessageDigest(raw)
                #expect(d.certain, "\(text.prefix(40).debugDescription)")
                #expect(d.sniffed == want, "\(text.prefix(40).debugDescription)")
                #expect(SIPSniffer.looksLikeSIP(raw) == want, "\(text.prefix(40).debugDescription)")
            }
        }
    }

    /// The names the digest recognises whole (eight bytes at a time) must classify exactly as
    /// the byte-by-byte path does: in any case, next to near misses, and with a non-token byte
    /// that the case fold would hide ('\r' | 0x20 is '-').
    @Test func wholeNameMatchAgreesWithTheParser() {
        let names = ["Via", "From", "To", "Call-ID", "CSeq", "Contact", "Content-Length", "Content-Type", "Max-Forwards",
                     "User-Agent", "Expires", "Identity", "P-Asserted-Identity", "Route", "Record-Route", "Allow", "Accept",
                     "Supported", "Session-Expires"]
        var checked = 0
        for name in names {
            for variant in [name, name.lowercased(), name.uppercased(), name + "x", name + "-1", String(name.dropLast()),
                            name.replacingOccurrences(of: "-", with: "\r"), name.replacingOccurrences(of: "-", with: "\u{0D}x")] {
                for gap in ["", " "] {
                    let text = "OPTIONS sip:b@h SIP/2.0\r\nCall-ID: base@h\r\n\(variant)\(gap): <sip:v@h>;tag=z\r\n"
                        + "From: <sip:a@h>;tag=f\r\nTo: <sip:b@h>\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
                    if Self.check(Array(text.utf8), "name \(variant.debugDescription)") { checked += 1 }
                    // The same line last, where fewer than 24 bytes follow the name.
                    let short = "OPTIONS sip:b@h SIP/2.0\r\nCall-ID: base@h\r\n\(variant)\(gap):1\r\n\r\n"
                    if Self.check(Array(short.utf8), "short \(variant.debugDescription)") { checked += 1 }
                }
            }
        }
        #expect(checked > names.count * 8, "only \(checked) certain digests")
    }

    @Test(arguments: [0x5EED_D16E as UInt64, 2, 3, 4])
    func certainDigestsAgreeWithTheParserUnderMutation(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let interesting: [UInt8] = Array("\r\n \t:;<>=,\"/0aZ".utf8) + [0, 0x7F, 0xC3]
        var certain = 0
        for round in 0..<8000 {
            var b = Array(rng.pick(Self.bases).utf8)
            for _ in 0..<rng.int(1...2) {
                switch rng.below(4) {
                case 0: b[rng.below(b.count)] = rng.pick(interesting)
                case 1: b.insert(rng.pick(interesting), at: rng.below(b.count + 1))
                case 2: if b.count > 1 { b.remove(at: rng.below(b.count)) }
                default: b = Array(b.prefix(rng.below(b.count + 1)))
                }
                if b.isEmpty { b = [0x20] }
            }
            if Self.check(b, "seed \(seed) round \(round)") { certain += 1 }
        }
        // The mutations must leave plenty of certain digests, or the test checks nothing.
        #expect(certain > 1000, "only \(certain) certain digests")
    }
}

/// `byteHash` reads a range's last bytes with one word load where the buffer allows. The
/// value must depend on the range's bytes alone: not on the bytes around it, nor on whether
/// they sit in a larger buffer or a String (the fallback path's key); and every byte counts.
@Suite struct ByteHashTests {
    @Test func everyRangeHashesAsItsBytesAlone() {
        let text = Array("a7f3-Call-ID_0123456789@host.example;tag=x".utf8)
        // The same bytes with different neighbours.
        let other = text.map { $0 ^ 0x5A }
        for lo in 0...text.count {
            for hi in lo...text.count {
                let bytes = Array(text[lo..<hi])
                var shifted = other
                shifted.replaceSubrange(lo..<hi, with: bytes)
                let h = text.withUnsafeBytes { byteHash($0, lo..<hi) }
                #expect(h == shifted.withUnsafeBytes { byteHash($0, lo..<hi) }, "range \(lo)..<\(hi)")
                #expect(h == bytes.withUnsafeBytes { byteHash($0, 0..<bytes.count) }, "range \(lo)..<\(hi)")
                #expect(h == byteHash(String(decoding: bytes, as: UTF8.self)), "range \(lo)..<\(hi)")
                for k in bytes.indices {
                    var changed = bytes
                    changed[k] ^= 0x01
                    #expect(h != changed.withUnsafeBytes { byteHash($0, 0..<changed.count) }, "byte \(k) of \(lo)..<\(hi)")
                }
            }
        }
    }
}
