@testable import Network
import Testing
import TestSupport

@Suite struct DigestMatchTests {
    /// The case-blind byte compare agrees with `lowercased() ==` on seeded answers: right and
    /// wrong digits in both cases, other lengths, and non-ASCII look-alikes (Kelvin sign, Å,
    /// combining marks, full-width digits).
    @Test func responseMatchesAgreesWithLowercasing() {
        var r = SplitMix64(seed: 7616)
        let odd: [String] = ["\u{212A}", "\u{212B}", "\u{0301}", "\u{FF10}", "\u{0130}", "G", "-", " "]
        for alg in [Digest.Algorithm.md5, .sha256] {
            for i in 0..<300 {
                let expected = alg.hex("answer \(i)")
                var given = expected
                switch r.below(6) {
                case 0: given = given.uppercased()
                case 1: given = String(given.map { r.chance(2) ? Character($0.uppercased()) : $0 })
                case 2: given = String(given.dropLast(r.int(1...3)))
                case 3:
                    var chars = Array(given)
                    chars[r.below(chars.count)] = Character(r.pick(odd))
                    given = String(chars)
                case 4: given += r.pick(odd)
                default: break
                }
                #expect(Digest.responseMatches(given, expected: expected) == (given.lowercased() == expected), "\(given)")
            }
            #expect(!Digest.responseMatches(nil, expected: alg.hex("x")))
        }
    }
}
