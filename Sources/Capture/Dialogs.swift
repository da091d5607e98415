import SIPCore

/// Groups messages by Call-ID and counts dialogs (Call-ID + both tags, established by a
/// 1xx-with-tag or 2xx to INVITE/SUBSCRIBE/REFER). State is bounded: a group is evicted
/// after `idleTimeout` without traffic, and the oldest go first beyond `maxGroups`; the
/// summaries kept for the report are capped at `maxDetails`.
public struct DialogTracker {
    public struct Summary: Sendable, Hashable {
        public var callID: String
        public var firstPacket: Int
        public var lastPacket: Int
        public var messages: Int
        /// "fromTag/toTag" of each dialog under this Call-ID.
        public var dialogs: [String]
        public var firstMethod: String
        /// established (2xx), early (1xx only), failed (final non-2xx), terminated (BYE answered), none
        public var state: String
    }

    /// Live state of one Call-ID: fixed-size, keyed by the Call-ID's hash, no Strings. 32
    /// bytes: the table holds one per slot, and each of its pages costs a fault when first
    /// written. The message count and last packet matter only for the Call-IDs kept in
    /// `details`, which are updated in place instead.
    struct Group {
        var lastTime: Int64
        /// Index into `details` for the first `maxDetails` Call-IDs, else -1.
        var detail: Int32
        var state: State
        /// Hash of the first dialog's tag pair (0: none); later ones (rare) in the tracker's
        /// `morePairs[more]`, so a group holds no reference: copying it retains nothing.
        var dialog0: UInt64 = 0
        var more: Int32 = -1
    }

    enum State: UInt8 {
        case none, early, established, failed, terminated
        var text: String {
            switch self {
            case .none: "none"
            case .early: "early"
            case .established: "established"
            case .failed: "failed"
            case .terminated: "terminated"
            }
        }
    }

    public var idleTimeoutNanos: Int64 = 300_000_000_000
    public var maxGroups = 100_000
    public var maxDetails = 1000
    public private(set) var dialogCount = 0
    public private(set) var callIDCount = 0
    /// The first `maxDetails` Call-IDs seen, in first-packet order.
    public private(set) var details: [Summary] = []
    public var detailsTruncated: Bool { callIDCount > details.count }
    var live = GroupTable()
    var lastSweep: Int64 = .min
    /// Tag-pair hashes of a group's dialogs after the first; slots of retired groups are reused.
    private var morePairs: [[UInt64]] = []
    private var freeMore: [Int32] = []

    public init() {}

    /// Adds a message through the String accessors (TCP-framed or folded messages; tests).
    public mutating func add(_ m: CapturedMessage) {
        let msg = m.message
        guard let callID = msg.value(.callID) else { return }
        var pair: UInt64 = 0
        var pairText: String?
        if let status = msg.statusCode, let method = msg.cseqMethod, Self.formsDialog(method, status),
           let toTag = msg.value(.to).flatMap(Self.tag), let fromTag = msg.value(.from).flatMap(Self.tag) {
            pair = Self.pairHash(byteHash(fromTag), byteHash(toTag))
            pairText = fromTag + "/" + toTag
        }
        let cseq = msg.statusCode == nil ? nil : msg.cseqMethod
        add(time: m.time, packet: m.packet, callID: byteHash(callID), status: msg.statusCode ?? 0,
            cseqMethod: cseq.map(Self.method) ?? .other, dialogPair: pair,
            describe: { (callID, msg.method ?? msg.cseqMethod ?? "?") }, pairText: { pairText ?? "" })
    }

    /// What a CSeq method means for dialog state.
    enum CSeqMethod { case invite, dialogCreating, bye, other }

    static func method(_ s: String) -> CSeqMethod {
        switch s {
        case "INVITE": .invite
        case "SUBSCRIBE", "REFER": .dialogCreating
        case "BYE": .bye
        default: .other
        }
    }

    static func method(_ p: UnsafeRawBufferPointer, _ r: Range<Int>) -> CSeqMethod {
        @inline(__always) func eq(_ s: StaticString) -> Bool {
            guard r.count == s.utf8CodeUnitCount else { return false }
            let q = s.utf8Start
            for k in 0..<r.count where p[r.lowerBound + k] != q[k] { return false }
            return true
        }
        if eq("INVITE") { return .invite }
        if eq("BYE") { return .bye }
        if eq("SUBSCRIBE") || eq("REFER") { return .dialogCreating }
        return .other
    }

    static func formsDialog(_ method: String, _ status: Int) -> Bool {
        ["INVITE", "SUBSCRIBE", "REFER"].contains(method) && (101...299).contains(status)
    }

    static func pairHash(_ from: UInt64, _ to: UInt64) -> UInt64 {
        let h = (from ^ (to &* 0x9E37_79B9_7F4A_7C15 | 1)) &* 0xC4CE_B9FE_1A85_EC53
        return h == 0 ? 1 : h
    }

    /// The hot path. `status` is 0 for requests; `dialogPair` is the tag-pair hash of a
    /// dialog-forming response (0 otherwise). `describe` (Call-ID, first method) and
    /// `pairText` ("fromTag/toTag") are only called for the Call-IDs kept in `details`.
    mutating func add(time: Int64, packet: Int, callID: UInt64, status: Int, cseqMethod: CSeqMethod, dialogPair: UInt64,
                      describe: () -> (String, String), pairText: () -> String) {
        if time &- lastSweep > 1_000_000_000 { sweep(now: time) }
        var (slot, found) = live.find(callID)
        if !found {
            if live.count >= maxGroups {
                evictOldest()
                slot = live.find(callID).slot
            }
            var detail: Int32 = -1
            if details.count < maxDetails {
                let (id, method) = describe()
                detail = Int32(details.count)
                details.append(Summary(callID: id, firstPacket: packet, lastPacket: packet, messages: 0, dialogs: [],
                                       firstMethod: method, state: "none"))
            }
            slot = live.insert(callID, Group(lastTime: time, detail: detail, state: .none), at: slot)
            callIDCount += 1
        }
        // Copied out and written back by slot: one probe sequence per message.
        var g = live.values[slot]
        g.lastTime = time
        if g.detail >= 0 {
            details[Int(g.detail)].lastPacket = packet
            details[Int(g.detail)].messages += 1
        }
        if status != 0 {
            if dialogPair != 0, g.dialog0 != dialogPair, addPair(&g, dialogPair) {
                dialogCount += 1
                if g.detail >= 0 { details[Int(g.detail)].dialogs.append(pairText()) }
            }
            switch cseqMethod {
            case .invite:
                if (200...299).contains(status) { g.state = .established }
                else if status >= 300, g.state != .established { g.state = .failed }
                else if status > 100, g.state == .none { g.state = .early }
            case .bye:
                if (200...299).contains(status) { g.state = .terminated }
            case .dialogCreating, .other:
                break
            }
        }
        live.values[slot] = g
    }

    /// Records a tag pair the group has not seen, up to 64 dialogs per Call-ID.
    private mutating func addPair(_ g: inout Group, _ pair: UInt64) -> Bool {
        if g.dialog0 == 0 {
            g.dialog0 = pair
            return true
        }
        if g.more < 0 {
            if let k = freeMore.popLast() {
                g.more = k
            } else {
                g.more = Int32(morePairs.count)
                morePairs.append([])
            }
        }
        let k = Int(g.more)
        guard morePairs[k].count < 63, !morePairs[k].contains(pair) else { return false }
        morePairs[k].append(pair)
        return true
    }

    /// The `tag` parameter of a From/To value, found without a full parse (the hot path).
    static func tag(_ value: String) -> String? {
        // Parameters follow the closing '>' when there is one; otherwise the whole value.
        let utf8 = Array(value.utf8)
        var i = utf8.lastIndex(of: UInt8(ascii: ">")) ?? 0
        while i + 4 < utf8.count {
            if utf8[i] == UInt8(ascii: ";") {
                var j = i + 1
                while j < utf8.count, utf8[j] == 0x20 { j += 1 }
                if j + 3 < utf8.count, utf8[j] | 0x20 == 0x74, utf8[j + 1] | 0x20 == 0x61, utf8[j + 2] | 0x20 == 0x67 {
                    var k = j + 3
                    while k < utf8.count, utf8[k] == 0x20 { k += 1 }
                    if k < utf8.count, utf8[k] == UInt8(ascii: "=") {
                        k += 1
                        while k < utf8.count, utf8[k] == 0x20 { k += 1 }
                        var e = k
                        while e < utf8.count, utf8[e] != UInt8(ascii: ";"), utf8[e] != 0x20, utf8[e] != UInt8(ascii: ",") { e += 1 }
                        return e > k ? String(decoding: utf8[k..<e], as: UTF8.self) : nil
                    }
                }
            }
            i += 1
        }
        return nil
    }

    mutating func sweep(now: Int64) {
        lastSweep = now
        let timeout = idleTimeoutNanos
        for g in live.removeAll(where: { now &- $0.lastTime > timeout }) { retire(g) }
    }

    /// Drops the least recently seen eighth (ties by Call-ID hash, so the choice never
    /// depends on table order).
    private mutating func evictOldest() {
        var byAge: [(Int64, UInt64)] = []
        byAge.reserveCapacity(live.count)
        for i in live.keys.indices where live.keys[i] != 0 { byAge.append((live.values[i].lastTime, live.keys[i])) }
        byAge.sort { $0 < $1 }
        for (_, key) in byAge.prefix(max(1, live.count / 8)) { if let g = live.remove(key) { retire(g) } }
    }

    /// Settles the kept summary of a group that leaves the table.
    private mutating func retire(_ g: Group) {
        if g.more >= 0 {
            morePairs[Int(g.more)] = []
            freeMore.append(g.more)
        }
        guard g.detail >= 0 else { return }
        details[Int(g.detail)].state = g.state.text
    }

    /// End of capture: retires every live group.
    public mutating func finish() {
        for i in live.keys.indices where live.keys[i] != 0 { retire(live.values[i]) }
        live = GroupTable()
        morePairs = []
        freeMore = []
    }
}

/// The live Call-ID groups: open addressing keyed by the Call-ID's 64-bit hash itself, which
/// is already well mixed, so a lookup hashes nothing (a `Dictionary` ran SipHash over the key
/// on every message). Linear probing over a power-of-two table kept at most 70% full;
/// removal shifts the following entries back, so no tombstones accumulate.
struct GroupTable {
    /// 0 marks an empty slot; a Call-ID hashing to 0 is stored as `zeroKey`.
    private(set) var keys: [UInt64]
    var values: [DialogTracker.Group]
    private(set) var count = 0
    private var mask: Int
    static let zeroKey: UInt64 = 0x9E37_79B9_7F4A_7C15

    init(capacity: Int = 1024) {
        var c = 16
        while c < capacity { c <<= 1 }
        keys = [UInt64](repeating: 0, count: c)
        values = [DialogTracker.Group](repeating: DialogTracker.Group(lastTime: 0, detail: -1, state: .none),
                                       count: c)
        mask = c - 1
    }

    @inline(__always) static func stored(_ key: UInt64) -> UInt64 { key == 0 ? zeroKey : key }

    /// The key's slot, or the empty slot where it would go.
    @inline(__always) func find(_ key: UInt64) -> (slot: Int, found: Bool) {
        let k = Self.stored(key)
        var i = Int(truncatingIfNeeded: k) & mask
        while true {
            let here = keys[i]
            if here == k { return (i, true) }
            if here == 0 { return (i, false) }
            i = (i &+ 1) & mask
        }
    }

    /// Inserts a key `find` missed at `slot`; returns the slot used (it moves when the table grows).
    mutating func insert(_ key: UInt64, _ g: DialogTracker.Group, at slot: Int) -> Int {
        var slot = slot
        if (count + 1) * 10 > keys.count * 7 {
            grow()
            slot = find(key).slot
        }
        keys[slot] = Self.stored(key)
        values[slot] = g
        count += 1
        return slot
    }

    private mutating func grow() {
        var bigger = GroupTable(capacity: keys.count * 2)
        for i in keys.indices where keys[i] != 0 {
            let s = bigger.find(keys[i]).slot
            bigger.keys[s] = keys[i]
            bigger.values[s] = values[i]
        }
        bigger.count = count
        self = bigger
    }

    /// Removes `key` and returns its group; later entries of its probe run move back.
    @discardableResult
    mutating func remove(_ key: UInt64) -> DialogTracker.Group? {
        var (hole, found) = find(key)
        guard found else { return nil }
        let g = values[hole]
        keys[hole] = 0
        count -= 1
        var j = hole
        while true {
            j = (j &+ 1) & mask
            let k = keys[j]
            if k == 0 { return g }
            // An entry whose home slot is not cyclically within (hole, j] can fill the hole.
            let home = Int(truncatingIfNeeded: k) & mask
            let stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j)
            if !stays {
                keys[hole] = k
                values[hole] = values[j]
                keys[j] = 0
                hole = j
            }
        }
    }

    /// Every (stored key, group), in slot order.
    var entries: [(UInt64, DialogTracker.Group)] {
        var out: [(UInt64, DialogTracker.Group)] = []
        out.reserveCapacity(count)
        for i in keys.indices where keys[i] != 0 { out.append((keys[i], values[i])) }
        return out
    }

    /// Removes the groups `drop` selects and returns them.
    mutating func removeAll(where drop: (DialogTracker.Group) -> Bool) -> [DialogTracker.Group] {
        var gone: [UInt64] = []
        for i in keys.indices where keys[i] != 0 && drop(values[i]) { gone.append(keys[i]) }
        return gone.compactMap { remove($0) }
    }
}

extension SIPMessage {
    /// The method named in CSeq (what a response answers).
    public var cseqMethod: String? {
        guard let v = value(.cseq) else { return nil }
        let parts = v.split(whereSeparator: { $0 == " " || $0 == "\t" })
        return parts.count >= 2 ? String(parts[1]) : nil
    }
}
