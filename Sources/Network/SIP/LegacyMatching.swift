import SIPCore

/// What identifies a request whose top Via has no magic-cookie branch (an RFC 2543 peer, or a
/// crafted one): RFC 3261 §17.2.3 matches it to a server transaction by Request-URI, To and
/// From tags, Call-ID, CSeq and top Via instead of by branch. (A class: every transaction has
/// an optional one, and nil is then all a transaction pays for it.)
final class LegacyRequestID {
    let requestURI: URI
    let fromTag: String?
    let toTag: String?
    let callID: String
    let sequence: UInt32
    let method: String
    let topVia: Via

    /// nil when a part it needs is missing or malformed: such a request gets no transaction.
    init?(_ m: SIPMessage) {
        guard let uri = m.requestURI, let from = m.addressValue(.from), let to = m.addressValue(.to),
              let callID = m.value(.callID), let cseq = m.cseqValue, let via = m.topVia else { return nil }
        requestURI = uri
        fromTag = from.tag
        toTag = to.tag
        self.callID = callID
        sequence = cseq.sequence
        method = cseq.method
        topVia = via
    }

    /// What every method compares: Request-URI, From tag, Call-ID, CSeq number and top Via.
    func sameOrigin(_ o: LegacyRequestID) -> Bool {
        callID == o.callID && sequence == o.sequence && Self.sameTag(fromTag, o.fromTag)
            && requestURI.isEquivalent(to: o.requestURI) && topVia.isEquivalent(to: o.topVia)
    }

    /// Whether `request` (this ID is of the request that made the transaction) matches it:
    /// an ACK by its To tag against `responseToTag`, the tag of the final response sent; any
    /// other request by its To tag and CSeq method.
    func matches(_ request: LegacyRequestID, responseToTag: String?) -> Bool {
        guard sameOrigin(request) else { return false }
        if request.method == "ACK" { return method == "INVITE" && Self.sameTag(request.toTag, responseToTag) }
        return request.method == method && Self.sameTag(request.toTag, toTag)
    }

    /// Tags are tokens: case-insensitive (§7.3.1).
    static func sameTag(_ a: String?, _ b: String?) -> Bool { a?.lowercased() == b?.lowercased() }
}

/// Server transactions of RFC 2543 requests, filed by Call-ID and CSeq number (compared
/// exactly by §17.2.3, so they can be hashed); the rest of the match is checked per entry.
struct LegacyTransactions {
    private struct Bucket: Hashable {
        let callID: String
        let sequence: UInt32
        let peer: String
    }

    private var buckets: [Bucket: [ServerTransaction]] = [:]
    private(set) var count = 0

    func find(_ id: LegacyRequestID, peer: String) -> ServerTransaction? {
        buckets[Bucket(callID: id.callID, sequence: id.sequence, peer: peer)]?.first { tx in
            tx.legacyID.map { $0.matches(id, responseToTag: tx.legacyResponseToTag) } ?? false
        }
    }

    mutating func add(_ tx: ServerTransaction, _ id: LegacyRequestID) {
        buckets[Bucket(callID: id.callID, sequence: id.sequence, peer: tx.peer), default: []].append(tx)
        count += 1
    }

    /// Removes every transaction, passing each to `body`.
    mutating func removeAll(_ body: (ServerTransaction) -> Void) {
        for list in buckets.values { list.forEach(body) }
        buckets = [:]
        count = 0
    }

    mutating func remove(_ tx: ServerTransaction) {
        guard let id = tx.legacyID else { return }
        let b = Bucket(callID: id.callID, sequence: id.sequence, peer: tx.peer)
        guard var list = buckets[b], let i = list.firstIndex(where: { $0 === tx }) else { return }
        list.remove(at: i)
        count -= 1
        buckets[b] = list.isEmpty ? nil : list
    }
}
