@testable import Capture
import TestSupport
import Testing

/// The dialog tracker's open-addressing table against a Dictionary: seeded inserts, lookups
/// and removals (backward-shift deletion), with keys crowded into a few home slots so probe
/// runs wrap around the table end.
@Suite struct GroupTableTests {
    @Test(arguments: [1 as UInt64, 2, 3])
    func behavesLikeADictionary(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var table = GroupTable(capacity: 16)
        var model: [UInt64: Int] = [:]
        func group(_ n: Int) -> DialogTracker.Group {
            DialogTracker.Group(lastTime: Int64(n), lastPacket: n, messages: n, detail: -1, state: .none)
        }
        for step in 0..<20_000 {
            // Few distinct low bits (home slots) and 0 itself, so runs collide and wrap.
            let key: UInt64 = rng.below(50) == 0 ? 0 : UInt64(rng.below(6)) | UInt64(rng.below(300)) << 20
            switch rng.below(3) {
            case 0, 1:
                let (slot, found) = table.find(key)
                #expect(found == (model[key] != nil), "step \(step)")
                if found {
                    table.values[slot].messages = step
                } else {
                    _ = table.insert(key, group(step), at: slot)
                }
                model[key] = step
            default:
                let removed = table.remove(key)
                #expect(removed?.messages == model.removeValue(forKey: key), "step \(step)")
            }
            #expect(table.count == model.count)
        }
        for (k, v) in model {
            let (slot, found) = table.find(k)
            #expect(found && table.values[slot].messages == v)
        }
        #expect(table.entries.count == model.count)
        let dropped = table.removeAll { $0.messages % 2 == 0 }
        #expect(dropped.count == model.values.filter { $0 % 2 == 0 }.count)
        for (k, v) in model { #expect(table.find(k).found == (v % 2 != 0)) }
    }
}
