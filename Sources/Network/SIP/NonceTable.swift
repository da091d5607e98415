/// The digest nonces a registrar has issued (RFC 3261 §22.4, RFC 7616 §3.3 / §5.4): the
/// algorithm each was offered with and the highest `nc` answered with it, so a response
/// replayed with a nonce + nc seen before is refused with a fresh challenge.
///
/// Memory is bounded two ways: a nonce lives `lifetimeMs` at most, and the table holds at
/// most `capacity` nonces (issued order, oldest evicted first). Dropping a nonce is always
/// safe: its holder gets a fresh 401, never a false accept.
struct NonceTable {
    struct Entry: Equatable {
        var algorithm: Digest.Algorithm
        var expiresAtMs: Int64
        /// Highest nc accepted with this nonce (0: not used yet).
        var lastNC: UInt32
        /// IMS AKA: the vector behind the nonce (XRES, and RAND for a resync).
        var vector: AKA.Vector?
    }

    enum Check: Equatable {
        /// Usable: the response may be verified with this algorithm.
        case fresh(Digest.Algorithm)
        /// Never issued, expired, evicted, or already dropped.
        case unknown
        /// nc missing, malformed, or not above the last one accepted for this nonce.
        case replayed(lastNC: UInt32)
    }

    let lifetimeMs: Int64
    let capacity: Int
    private(set) var entries: [String: Entry] = [:]
    /// Issue order (virtual time only moves forward, so expiry order too), with a head index
    /// instead of removing from the front. Holds dropped nonces until they reach the head,
    /// and is capped with `entries`, so both stay within `capacity`.
    private var order: [(nonce: String, expiresAtMs: Int64)] = []
    private var head = 0

    init(lifetimeMs: Int64, capacity: Int) {
        self.lifetimeMs = max(1, lifetimeMs)
        self.capacity = max(1, capacity)
    }

    /// Nonces held (issued, not expired or dropped yet).
    var count: Int { entries.count }
    /// Slots in use in the issue-order queue (never above `capacity`).
    var queued: Int { order.count - head }

    mutating func issue(_ nonce: String, algorithm: Digest.Algorithm, vector: AKA.Vector? = nil, nowMs: Int64) {
        purge(nowMs: nowMs)
        while queued >= capacity { popOldest() }
        let expires = nowMs + lifetimeMs
        entries[nonce] = Entry(algorithm: algorithm, expiresAtMs: expires, lastNC: 0, vector: vector)
        order.append((nonce, expires))
    }

    /// Whether a response with `nonce` and `nc` may be checked. With `checkReplay` off (the
    /// misconfiguration) any nc is taken while the nonce lives.
    mutating func check(_ nonce: String, nc: String?, nowMs: Int64, checkReplay: Bool) -> Check {
        purge(nowMs: nowMs)
        guard let e = entries[nonce] else { return .unknown }
        guard checkReplay else { return .fresh(e.algorithm) }
        guard let n = Self.parseNC(nc), n > e.lastNC else { return .replayed(lastNC: e.lastNC) }
        return .fresh(e.algorithm)
    }

    /// Records a verified response's nc: the next one with this nonce must be higher.
    mutating func accept(_ nonce: String, nc: String?) {
        guard let n = Self.parseNC(nc), var e = entries[nonce] else { return }
        e.lastNC = max(e.lastNC, n)
        entries[nonce] = e
    }

    mutating func drop(_ nonce: String) { entries[nonce] = nil }

    /// nc-value = 8LHEX (RFC 7616 §3.4); anything else is not a count.
    static func parseNC(_ text: String?) -> UInt32? {
        guard let text, text.utf8.count == 8 else { return nil }
        return UInt32(text, radix: 16)
    }

    private mutating func purge(nowMs: Int64) {
        while head < order.count, order[head].expiresAtMs <= nowMs { popOldest() }
    }

    private mutating func popOldest() {
        guard head < order.count else { return }
        let (nonce, expires) = order[head]
        // A nonce issued twice (generator collision) keeps its newer slot.
        if entries[nonce]?.expiresAtMs == expires { entries[nonce] = nil }
        head += 1
        if head >= 64, head * 2 >= order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
