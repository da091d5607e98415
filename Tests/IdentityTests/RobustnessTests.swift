import Testing
@testable import Identity

/// Mutated tokens must be rejected with a reason, never trap and never verify.
struct RobustnessTests {
    /// SplitMix64: fixed seed, so every run mutates the same way.
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    @Test func mutatedTokensNeverVerify() throws {
        let jws = try Fixtures.signer.sign(claims: Fixtures.shakenClaims, ppt: "shaken")
        let key = Fixtures.key.publicKey
        let alphabet = Array("ABCxyz019-_.=+/ \"{}".utf8)
        var rng = Rng(state: 0x5EED)
        var rejected = 0
        for _ in 0..<1500 {
            var bytes = Array(jws.utf8)
            for _ in 0...rng.below(3) {
                switch rng.below(3) {
                case 0: bytes[rng.below(bytes.count)] = alphabet[rng.below(alphabet.count)]
                case 1: bytes.remove(at: rng.below(bytes.count))
                default: bytes.insert(alphabet[rng.below(alphabet.count)], at: rng.below(bytes.count))
                }
            }
            let mutated = String(decoding: bytes, as: UTF8.self)
            guard mutated != jws else { continue }
            do {
                _ = try Fixtures.verifier.verify(mutated, key: key)
                Issue.record("mutated token verified: \(mutated)")
            } catch {
                rejected += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(rejected > 1000)
    }

    @Test func randomBytesIntoJSONParser() {
        var rng = Rng(state: 42)
        let pieces = Array("{}[]\",:0123456789-.eE truefalsenull\\u\u{00}\u{FF}".utf8)
        for _ in 0..<3000 {
            let bytes = (0..<rng.below(40)).map { _ in pieces[rng.below(pieces.count)] }
            if let v = try? JSONValue.parse(bytes) {
                // Whatever parses must survive a canonical round trip.
                #expect((try? JSONValue.parse(v.canonicalBytes))?.canonicalBytes == v.canonicalBytes)
            }
        }
    }
}
