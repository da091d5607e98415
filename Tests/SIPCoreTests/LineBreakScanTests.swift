@testable import SIPCore
import TestSupport
import Testing

/// The word-at-a-time line break scan against a byte loop, at every alignment and length.
@Suite struct LineBreakScanTests {
    @Test func agreesWithAByteLoop() {
        var g = SplitMix64(seed: 5)
        let alphabet: [UInt8] = [0x0D, 0x0A, 0x20, 0x09, 0x41, 0x7E, 0x7F, 0x80, 0xC3, 0xFF, 0x00, 0x0C, 0x0E, 0x8D, 0x8A]
        for _ in 0..<600 {
            // Mostly plain text with a few special bytes, so both answers occur often.
            let bytes = (0..<g.int(0...40)).map { _ in g.chance(12) ? g.pick(alphabet) : UInt8(g.int(0x21...0x7E)) }
            let lo = g.int(0...bytes.count), hi = g.int(lo...bytes.count)
            for nonASCII in [false, true] {
                let expected = bytes[lo..<hi].contains { $0 == 0x0D || $0 == 0x0A || (nonASCII && $0 >= 0x80) }
                let found = bytes.withUnsafeBufferPointer { ByteClass.hasLineBreak($0, lo..<hi, orNonASCII: nonASCII) }
                #expect(found == expected, "\(bytes) \(lo)..<\(hi) nonASCII: \(nonASCII)")
            }
        }
    }
}
