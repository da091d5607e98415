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

    /// Live state of one Call-ID: fixed-size, keyed by the Call-ID's hash, no Strings.
    struct Group {
        var lastTime: Int64
        var lastPacket: Int
        var messages: Int
        /// Index into `details` for the first `maxDetails` Call-IDs, else -1.
        var detail: Int32
        var state: State
        /// Hash of the first dialog's tag pair (0: none); later ones in `more` (rare).
        var dialog0: UInt64 = 0
        var more: [UInt64]? = nil
        var dialogTotal: Int { dialog0 == 0 ? 0 : 1 + (more?.count ?? 0) }
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
    var live: [UInt64: Group] = [:]
    var lastSweep: Int64 = .min

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
        var index = live.index(forKey: callID)
        if index == nil {
            if live.count >= maxGroups { evictOldest() }
            var detail: Int32 = -1
            if details.count < maxDetails {
                let (id, method) = describe()
                detail = Int32(details.count)
                details.append(Summary(callID: id, firstPacket: packet, lastPacket: packet, messages: 0, dialogs: [],
                                       firstMethod: method, state: "none"))
            }
            live[callID] = Group(lastTime: time, lastPacket: packet, messages: 0, detail: detail, state: .none)
            callIDCount += 1
            index = live.index(forKey: callID)
        }
        // Copied out and written back by index: one hash lookup per message.
        var g = live.values[index!]
        g.lastTime = time
        g.lastPacket = packet
        g.messages += 1
        if status != 0 {
            if dialogPair != 0, g.dialogTotal < 64, g.dialog0 != dialogPair, !(g.more?.contains(dialogPair) ?? false) {
                if g.dialog0 == 0 { g.dialog0 = dialogPair } else { g.more = (g.more ?? []) + [dialogPair] }
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
        live.values[index!] = g
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
        // Collect first: removing while iterating a Dictionary is not allowed.
        var idle: [UInt64] = []
        for (id, g) in live where now &- g.lastTime > idleTimeoutNanos { idle.append(id) }
        for id in idle { if let g = live.removeValue(forKey: id) { retire(g) } }
    }

    private mutating func evictOldest() {
        let sorted = live.sorted { $0.value.lastTime < $1.value.lastTime }
        for (id, g) in sorted.prefix(max(1, live.count / 8)) {
            retire(g)
            live[id] = nil
        }
    }

    /// Settles the kept summary of a group that leaves the table.
    private mutating func retire(_ g: Group) {
        guard g.detail >= 0 else { return }
        let i = Int(g.detail)
        details[i].lastPacket = g.lastPacket
        details[i].messages = g.messages
        details[i].state = g.state.text
    }

    /// End of capture: retires every live group.
    public mutating func finish() {
        for g in live.values { retire(g) }
        live = [:]
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
