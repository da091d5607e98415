import Testing
import TestSupport
@testable import Identity

/// Mutated tokens must be rejected with a reason, never trap and never verify.
struct RobustnessTests {
    /// A fixed seed, so every run mutates the same way.
    @Test func mutatedTokensNeverVerify() throws {
        let jws = try Fixtures.signer.sign(claims: Fixtures.shakenClaims, ppt: "shaken")
        let key = Fixtures.key.publicKey
        let alphabet = Array("ABCxyz019-_.=+/ \"{}".utf8)
        var rng = SplitMix64(seed: 0x5EED)
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
        var rng = SplitMix64(seed: 42)
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
