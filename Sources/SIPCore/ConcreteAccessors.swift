/// Concrete accessors for the headers a proxy reads on every hop (Via, CSeq, Max-Forwards,
/// Expires, Authorization). Called from another module, the generic `headerValue` is not
/// specialised and pays for metadata lookups and an array per call; these are compiled here.
extension SIPMessage {
    /// The top Via (the first value of the first Via field).
    public var topVia: Via? { headerValue(Via.self, .via) }
    public var cseqValue: CSeq? { headerValue(CSeq.self, .cseq) }
    public var maxForwardsValue: MaxForwards? { headerValue(MaxForwards.self, .maxForwards) }
    public var expiresValue: Numeric? { headerValue(Numeric.self, .expires) }

    /// Every Authorization (or `header`) credential; empty when absent or malformed.
    public func credentials(_ header: KnownHeader = .authorization) -> [Credentials] {
        (try? headerValues(Credentials.self, header)) ?? []
    }
}

/// The top element of a list header (Via, Route), read and removed without rewriting the others.
extension SIPMessage {
    /// Where the first element of a field value ends: the first comma outside quoted strings
    /// and `<>` (the rule of `splitHeaderList`), or nil when there is none. `anyComma` says
    /// whether the value holds a comma at all (then `splitHeaderList` would trim the element).
    private func firstSplit(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> (split: Int?, anyComma: Bool) {
        // Most values (a Via, a Route) hold no comma at all, which one memchr tells.
        guard let comma = MessageParser.find(ASCII.comma, p, r.lowerBound, r.upperBound) else { return (nil, false) }
        if firstCommaSplits(p, r.lowerBound, comma) { return (comma, true) }
        var inQuote = false, inAngle = false, escaped = false, anyComma = false
        for i in r {
            let b = p[i]
            if escaped { escaped = false; continue }
            if inQuote {
                if b == ASCII.backslash { escaped = true } else if b == ASCII.quote { inQuote = false }
                continue
            }
            switch b {
            case ASCII.quote: inQuote = true
            case ASCII.lt: inAngle = true
            case ASCII.gt: inAngle = false
            case ASCII.comma:
                anyComma = true
                if !inAngle { return (i, true) }
            default: break
            }
        }
        return (nil, anyComma)
    }

    /// Whether the first comma of a value, at `comma`, splits it (`firstSplit`'s rule), told
    /// the short way when no quote comes before it (a list of `<uri>` elements): the scan would
    /// then be outside `<>` there unless the last '<' or '>' before it is a '<'. False when
    /// only the scan can tell.
    private func firstCommaSplits(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ comma: Int) -> Bool {
        guard MessageParser.find(ASCII.quote, p, start, comma) == nil else { return false }
        var i = comma
        while i > start, p[i - 1] != ASCII.lt, p[i - 1] != ASCII.gt { i -= 1 }
        return i == start || p[i - 1] == ASCII.gt
    }

    /// `r` without leading and trailing LWS.
    private func trimmed(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Range<Int> {
        var s = r.lowerBound, e = r.upperBound
        while s < e, ByteClass.isLWS(p[s]) { s += 1 }
        while e > s, ByteClass.isLWS(p[e - 1]) { e -= 1 }
        return s..<e
    }

    /// Whether the trimmed list `r` is already what `splitHeaderList` + `joined(", ")` makes of
    /// it: every splitting comma has a non-blank element before it and exactly one space then
    /// a non-blank element after it. (Quoted strings and `<>` are copied whole either way.)
    private func isJoinedList(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        var from = r.lowerBound
        while let c = firstSplit(p, from..<r.upperBound).split {
            guard c > from, !ByteClass.isLWS(p[c - 1]), c + 2 < r.upperBound, p[c + 1] == ASCII.sp,
                  !ByteClass.isLWS(p[c + 2]), p[c + 2] != ASCII.comma else { return false }
            from = c + 2
        }
        return true
    }

    /// The elements of one field value, as `splitHeaderList(valueText(r))` gives them, cut
    /// straight from the buffer when the value is plain ASCII without line breaks.
    func appendListElements(_ r: Range<Int>, to out: inout [String]) {
        storage.withUnsafeBufferPointer { p in
            if ByteClass.hasLineBreak(p, r, orNonASCII: true) {
                out += splitHeaderList(valueText(r))
                return
            }
            let first = out.count
            var from = r.lowerBound
            while let c = firstSplit(p, from..<r.upperBound).split {
                out.append(String(p, trimmed(p, from..<c)))
                from = c + 1
            }
            // `splitHeaderList` keeps the last element unless it is empty and the only one.
            let last = trimmed(p, from..<r.upperBound)
            if !last.isEmpty || out.count > first { out.append(String(p, last)) }
        }
    }

    /// The first element of the first field of `header` (a field may hold several, comma-separated).
    public func firstListValue(_ header: KnownHeader) -> String? {
        guard let i = fields.firstIndex(where: { $0.header == header }) else { return nil }
        let r = fields[i].value
        return storage.withUnsafeBufferPointer { p -> String in
            if let e = firstListElement(p, r) { return String(p, e) }
            // A folded value takes the String path.
            let v = valueText(r)
            return v.utf8.contains(ASCII.comma) ? (splitHeaderList(v).first ?? "") : v
        }
    }

    /// The bytes of the first list element of the value at `r` (what `firstListValue` decodes):
    /// the value itself without a comma, else the element trimmed; nil for a folded value.
    func firstListElement(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Range<Int>? {
        guard !ByteClass.hasLineBreak(p, r) else { return nil }
        let (split, anyComma) = firstSplit(p, r)
        return anyComma ? trimmed(p, r.lowerBound..<(split ?? r.upperBound)) : r
    }

    /// Removes the first element of the first field of `header` (a proxy's own Via on a
    /// response, its own Route entry); the field's other elements and every other field stay.
    /// Returns the element removed.
    @discardableResult
    public mutating func removeFirstListValue(_ header: KnownHeader) -> String? {
        guard let i = fields.firstIndex(where: { $0.header == header }) else { return nil }
        let first = firstListValue(header)
        removeFirstListElement(at: i)
        return first
    }

    /// `removeFirstListValue` when the element itself is not needed.
    public mutating func dropFirstListValue(_ header: KnownHeader) {
        guard let i = fields.firstIndex(where: { $0.header == header }) else { return }
        removeFirstListElement(at: i)
    }

    /// Removes the field's first element: the field goes when it holds one (most do: each hop
    /// adds a Via field of its own), else it is rewritten with the rest.
    private mutating func removeFirstListElement(at i: Int) {
        let r = fields[i].value
        // No comma (one memchr), one element: folding and splitting cannot make a second.
        let hasComma = storage.withUnsafeBufferPointer { MessageParser.find(ASCII.comma, $0, r.lowerBound, r.upperBound) != nil }
        guard hasComma else {
            removeHeader(at: i)
            return
        }
        if let cut = firstElementCut(at: i) {
            dropValuePrefix(at: i, count: cut)
            return
        }
        guard let rest = restAfterFirstElement(r) else {
            removeHeader(at: i)
            return
        }
        replaceHeader(at: i, with: rest)
    }

    /// How many bytes from the start of field `i`'s value to cut, when cutting them leaves the
    /// line `replaceHeader(at: i, with: restAfterFirstElement)` would write: the line reads
    /// `name: value` CRLF (name as `fieldName` writes it, value trimmed), and the rest is the
    /// value's ASCII tail after the first split, already joined as the rest is; nil otherwise.
    private func firstElementCut(at i: Int) -> Int? {
        let f = fields[i]
        let r = f.value
        return storage.withUnsafeBufferPointer { p -> Int? in
            guard f.header == .other ? f.hasPlainLayout(p) : f.isPlainLine(p),
                  let split = firstSplit(p, r).split else { return nil }
            let tail = trimmed(p, split + 1..<r.upperBound)
            guard tail.upperBound == r.upperBound, !firstSplit(p, tail).anyComma || isJoinedList(p, tail) else { return nil }
            return tail.lowerBound - r.lowerBound
        }
    }

    /// The rest of the field value `r` after its first element, as `splitHeaderList` would
    /// rejoin it (elements trimmed, joined by ", "); nil when the field holds one element.
    private func restAfterFirstElement(_ r: Range<Int>) -> String? {
        storage.withUnsafeBufferPointer { p -> String? in
            // A folded value takes the String path.
            if ByteClass.hasLineBreak(p, r) {
                let v = valueText(r)
                guard v.utf8.contains(ASCII.comma) else { return nil }
                var parts = splitHeaderList(v)
                if !parts.isEmpty { parts.removeFirst() }
                return parts.isEmpty ? nil : parts.joined(separator: ", ")
            }
            guard let split = firstSplit(p, r).split else { return nil }
            // After the first split the scan is back in its initial state, so the remaining
            // elements are exactly `splitHeaderList` of the rest.
            let tail = trimmed(p, split + 1..<r.upperBound)
            if firstSplit(p, tail).anyComma, !isJoinedList(p, tail) {
                let parts = splitHeaderList(String(p, tail))
                return parts.isEmpty ? "" : parts.joined(separator: ", ")
            }
            return String(p, tail)
        }
    }
}

/// Copying fields into another message being built (`MessageBuilder.copy`: responses copy
/// Via, Record-Route, ...).
extension SIPMessage {
    /// Appends the value at `r` in a message's buffer `p` as `values(header)` gives it: folded
    /// or non-ASCII values go through the String path (folding collapsed, invalid UTF-8
    /// repaired), plain ones are copied as bytes.
    static func appendValue(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, to out: inout [UInt8]) {
        if ByteClass.hasLineBreak(p, r, orNonASCII: true) {
            var v = valueText(p, r)
            v.withUTF8 { out.append(contentsOf: $0) }
        } else if !r.isEmpty {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: p[r]))
        }
    }
}
