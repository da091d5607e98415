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

    final class Group {
        var summary: Summary
        var lastTime: Int64
        init(_ s: Summary, _ t: Int64) { summary = s; lastTime = t }
    }

    public var idleTimeoutNanos: Int64 = 300_000_000_000
    public var maxGroups = 100_000
    public var maxDetails = 1000
    public private(set) var dialogCount = 0
    public private(set) var callIDCount = 0
    public private(set) var details: [Summary] = []
    public private(set) var detailsTruncated = false
    var live: [String: Group] = [:]
    var lastSweep: Int64 = .min

    public init() {}

    public mutating func add(_ m: CapturedMessage) {
        if m.time &- lastSweep > 1_000_000_000 { sweep(now: m.time) }
        guard let callID = m.message.value(.callID) else { return }
        let group: Group
        if let g = live[callID] {
            group = g
        } else {
            if live.count >= maxGroups { evictOldest() }
            group = Group(Summary(callID: callID, firstPacket: m.packet, lastPacket: m.packet, messages: 0, dialogs: [],
                                  firstMethod: m.message.method ?? m.message.cseqMethod ?? "?", state: "none"), m.time)
            live[callID] = group
            callIDCount += 1
        }
        group.lastTime = m.time
        group.summary.lastPacket = m.packet
        group.summary.messages += 1
        let msg = m.message
        if let status = msg.statusCode, let method = msg.cseqMethod {
            if ["INVITE", "SUBSCRIBE", "REFER"].contains(method), (101...299).contains(status),
               let toTag = msg.value(.to).flatMap(Self.tag), let fromTag = msg.value(.from).flatMap(Self.tag) {
                let id = fromTag + "/" + toTag
                if !group.summary.dialogs.contains(id), group.summary.dialogs.count < 64 {
                    group.summary.dialogs.append(id)
                    dialogCount += 1
                }
            }
            if method == "INVITE" {
                if (200...299).contains(status) { group.summary.state = "established" }
                else if status >= 300, group.summary.state != "established" { group.summary.state = "failed" }
                else if status > 100, group.summary.state == "none" { group.summary.state = "early" }
            } else if method == "BYE", (200...299).contains(status) {
                group.summary.state = "terminated"
            }
        }
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
        for (id, g) in live where now &- g.lastTime > idleTimeoutNanos {
            retire(g)
            live[id] = nil
        }
    }

    private mutating func evictOldest() {
        let sorted = live.sorted { $0.value.lastTime < $1.value.lastTime }
        for (id, g) in sorted.prefix(max(1, live.count / 8)) {
            retire(g)
            live[id] = nil
        }
    }

    private mutating func retire(_ g: Group) {
        if details.count < maxDetails { details.append(g.summary) } else { detailsTruncated = true }
    }

    /// End of capture: retires every live group; details ordered by first packet.
    public mutating func finish() {
        for g in live.values.sorted(by: { $0.summary.firstPacket < $1.summary.firstPacket }) { retire(g) }
        live = [:]
        details.sort { $0.firstPacket < $1.firstPacket }
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
