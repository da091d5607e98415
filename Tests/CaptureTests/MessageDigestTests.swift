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
            return true
        }
    }

    @Test func wellFormedMessagesTakeTheFastPath() {
        for b in Self.bases.prefix(8) { #expect(Self.check(Array(b.utf8), "base"), "\(b.debugDescription)") }
        for b in Self.bases.dropFirst(8) { #expect(!Self.check(Array(b.utf8), "awkward"), "\(b.debugDescription)") }
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
