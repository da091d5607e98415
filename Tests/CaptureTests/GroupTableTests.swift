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
            DialogTracker.Group(lastTime: Int64(n), detail: -1, state: .none)
        }
        for step in 0..<20_000 {
            // Few distinct low bits (home slots) and 0 itself, so runs collide and wrap.
            let key: UInt64 = rng.below(50) == 0 ? 0 : UInt64(rng.below(6)) | UInt64(rng.below(300)) << 20
            switch rng.below(3) {
            case 0, 1:
                let (slot, found) = table.find(key)
                #expect(found == (model[key] != nil), "step \(step)")
                if found {
                    table.values[slot].lastTime = Int64(step)
                } else {
                    _ = table.insert(key, group(step), at: slot)
                }
                model[key] = step
            default:
                let removed = table.remove(key)
                #expect(removed.map { Int($0.lastTime) } == model.removeValue(forKey: key), "step \(step)")
            }
            #expect(table.count == model.count)
        }
        for (k, v) in model {
            let (slot, found) = table.find(k)
            #expect(found && table.values[slot].lastTime == Int64(v))
        }
        #expect(table.entries.count == model.count)
        let dropped = table.removeAll { $0.lastTime % 2 == 0 }
        #expect(dropped.count == model.values.filter { $0 % 2 == 0 }.count)
        for (k, v) in model { #expect(table.find(k).found == (v % 2 != 0)) }
    }

    /// The table holds a group per slot: every byte more is more pages to fault in.
    @Test func groupFitsInThirtyTwoBytes() {
        #expect(MemoryLayout<DialogTracker.Group>.stride <= 32)
    }
}

/// What the audit reports per Call-ID: message count, first and last packet, state and dialogs,
/// for the Call-IDs kept in `details` (and only those).
@Suite struct DialogSummaryTests {
    static func add(_ t: inout DialogTracker, _ packet: Int, _ callID: UInt64, status: Int = 0,
                    method: DialogTracker.CSeqMethod = .other, pair: UInt64 = 0) {
        t.add(time: Int64(packet) * 1_000_000, packet: packet, callID: callID, status: status, cseqMethod: method,
              dialogPair: pair, describe: { ("call-\(callID)", "INVITE") }, pairText: { "f/t\(pair)" })
    }

    @Test func summariesCountMessagesAndFollowState() {
        var t = DialogTracker()
        t.maxDetails = 2
        Self.add(&t, 1, 11)                                            // INVITE
        Self.add(&t, 2, 22)                                            // INVITE
        Self.add(&t, 3, 11, status: 180, method: .invite, pair: 5)     // early dialog
        Self.add(&t, 4, 33)                                            // beyond maxDetails
        Self.add(&t, 5, 11, status: 200, method: .invite, pair: 5)     // same dialog, established
        Self.add(&t, 6, 22, status: 486, method: .invite)              // failed
        Self.add(&t, 7, 11)                                            // BYE
        Self.add(&t, 8, 11, status: 200, method: .bye)                 // terminated
        Self.add(&t, 9, 33)
        t.finish()
        #expect(t.callIDCount == 3)
        #expect(t.dialogCount == 1)
        #expect(t.detailsTruncated)
        let d = t.details
        #expect(d.map(\.callID) == ["call-11", "call-22"])
        #expect(d.map(\.messages) == [5, 2])
        #expect(d.map(\.firstPacket) == [1, 2])
        #expect(d.map(\.lastPacket) == [8, 6])
        #expect(d.map(\.state) == ["terminated", "failed"])
        #expect(d[0].dialogs == ["f/t5"])
    }
}
