/// Concrete accessors for the headers a proxy reads on every hop (Via, CSeq, Max-Forwards,
/// Expires, Authorization). Called from another module, the generic `headerValue` is not
/// specialised and pays for metadata lookups and an array per call; these are compiled here.
extension SIPMessage {
    /// The first value of the first field of `header`, nil when absent or malformed.
    @inline(__always)
    private func firstScanned<H: ScannableHeaderValue>(_ type: H.Type, _ header: KnownHeader) -> H? {
        guard let i = fields.firstIndex(where: { $0.header == header }) else { return nil }
        return (try? scanField(i, type))?.first
    }

    /// The top Via (the first value of the first Via field).
    public var topVia: Via? { firstScanned(Via.self, .via) }
    public var cseqValue: CSeq? { firstScanned(CSeq.self, .cseq) }
    public var maxForwardsValue: MaxForwards? { firstScanned(MaxForwards.self, .maxForwards) }
    public var expiresValue: Numeric? { firstScanned(Numeric.self, .expires) }

    /// Every Authorization (or `header`) credential; empty when absent or malformed.
    public func credentials(_ header: KnownHeader = .authorization) -> [Credentials] {
        (try? headerValues(Credentials.self, header)) ?? []
    }
}

/// The top element of a list header (Via, Route), read and removed without rewriting the others.
extension SIPMessage {
    /// The first element of the first field of `header` (a field may hold several, comma-separated).
    public func firstListValue(_ header: KnownHeader) -> String? {
        guard let i = fields.firstIndex(where: { $0.header == header }) else { return nil }
        let v = valueText(fields[i].value)
        return v.utf8.contains(ASCII.comma) ? splitHeaderList(v).first : v
    }

    /// Removes the first element of the first field of `header` (a proxy's own Via on a
    /// response, its own Route entry); the field's other elements and every other field stay.
    /// Returns the element removed.
    @discardableResult
    public mutating func removeFirstListValue(_ header: KnownHeader) -> String? {
        guard let i = fields.firstIndex(where: { $0.header == header }) else { return nil }
        let v = valueText(fields[i].value)
        let name = fieldName(i)
        removeHeader(at: i)
        guard v.utf8.contains(ASCII.comma) else { return v }
        var parts = splitHeaderList(v)
        let first = parts.isEmpty ? v : parts.removeFirst()
        if !parts.isEmpty { addHeader(name, parts.joined(separator: ", "), at: i) }
        return first
    }
}
