@testable import Network
import TestSupport
import Testing

/// `TextCache` against a dictionary keyed by the texts' bytes (what it stands for: exact
/// texts, so canonically equivalent but different ones are apart), over seeded steps with
/// replacements and a small limit that makes it start again; looked up by String and by bytes.
@Suite struct TextCacheTests {
    static let texts: [String] = {
        var t = ["", "a", "sip:scscf;lr", "<sip:scscf;lr>", "<sip:scscf;lr;orig>", "sip:u0@ims.example", "tel:+12025550110",
                 "12345678", "1234567", "123456789", "caf\u{e9}", "cafe\u{301}", "\u{1F600} sip:host", "sip:SCSCF;lr"]
        var g = SplitMix64(seed: 0x7443)
        for _ in 0..<40 { t.append("<sip:" + String(g.next(), radix: 36) + ".example;lr>") }
        return t
    }()

    @Test func behavesAsADictionaryOfBytes() {
        for limit in [4096, 9] {
            var g = SplitMix64(seed: UInt64(limit))
            var cache = TextCache<Int>(limit: limit)
            var expected: [[UInt8]: Int] = [:]
            for step in 0..<3000 {
                let text = g.pick(Self.texts)
                if expected.count >= limit, expected[Array(text.utf8)] == nil { expected = [:] }
                cache.remember(step, for: text)
                expected[Array(text.utf8)] = step
                #expect(cache.count == expected.count)
                let probe = g.pick(Self.texts)
                #expect(cache[probe] == expected[Array(probe.utf8)], "limit \(limit) step \(step): \(probe)")
                #expect(Array(probe.utf8).withUnsafeBufferPointer { cache[bytes: $0] } == expected[Array(probe.utf8)],
                        "limit \(limit) step \(step): \(probe) by bytes")
            }
        }
    }
}
