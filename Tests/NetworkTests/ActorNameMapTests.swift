@testable import Network
import TestSupport
import Testing

/// `ActorNameMap` behaves as a dictionary: short and long names, past 32 packed names, with
/// updates and removals, against a `[String: Int]` driven by the same steps.
@Suite struct ActorNameMapTests {
    @Test func behavesAsADictionary() {
        var g = SplitMix64(seed: 11)
        // Short names (some differing only in length or a last byte), long ones, empty, non-ASCII.
        let names = (0..<40).map { "ue\($0)" } + ["", "a", "ab", "pcscf", "scscf", "sti-as", "sti-vs", "1234567", "12345678",
                                                  "ue1\u{0}", "caf\u{e9}", "a-rather-long-actor-name"]
        var map = ActorNameMap<Int>()
        var expected: [String: Int] = [:]
        for step in 0..<3000 {
            let name = g.pick(names)
            if g.chance(4) {
                map[name] = nil
                expected[name] = nil
            } else {
                map[name] = step
                expected[name] = step
            }
            let probe = g.pick(names)
            #expect(map[probe] == expected[probe], "step \(step): \(probe)")
        }
        for name in names { #expect(map[name] == expected[name], "\(name)") }
        #expect(ActorNameMap(["pcscf": 1, "a-rather-long-actor-name": 2])["a-rather-long-actor-name"] == 2)
    }
}
