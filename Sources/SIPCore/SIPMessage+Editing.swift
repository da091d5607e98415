/// Edits. New text is appended to the buffer and a field re-pointed at it, so every byte
/// not edited is serialised as it arrived. Line breaks inside a new value become spaces:
/// header injection by CRLF has to be crafted as raw bytes on purpose, never by accident.
extension SIPMessage {
    /// Appends a header field after the last one (or inserts it at `index`).
    public mutating func addHeader(_ name: String, _ value: String, at index: Int? = nil) {
        willEditFields()
        let f = makeField(name, value)
        fields.insert(f, at: min(max(index ?? fields.count, 0), fields.count))
        didEdit()
    }

    /// Inserts a field before the first field of the same name (e.g. a new top Via),
    /// or at the top of the header section when there is none.
    public mutating func prependHeader(_ name: String, _ value: String) {
        // A known header (Via, Record-Route on every hop) is found without an index array.
        let known = KnownHeader(name: name)
        let at = known != .other ? fields.firstIndex { $0.header == known } : fieldIndices(name).first
        addHeader(name, value, at: at ?? 0)
    }

    /// Replaces every field named `name` with one field carrying `value`, at the position of
    /// the first; removes them all when `value` is nil; appends when there was none.
    public mutating func setHeader(_ name: String, _ value: String?) {
        // The usual case, one field of a known header (Max-Forwards on every hop): replaced
        // in place, which is what removing it and inserting the new field at its index does.
        if let value {
            let known = KnownHeader(name: name)
            if known != .other {
                var index = -1
                for i in fields.indices where fields[i].header == known {
                    guard index < 0 else { index = -2; break }
                    index = i
                }
                if index >= 0 {
                    willEditFields()
                    fields[index] = makeField(name, value)
                    didEdit()
                    return
                }
            }
        }
        setHeader(name, values: value.map { [$0] } ?? [])
    }

    /// Replaces every field named `name` with one field per value, at the position of the first.
    public mutating func setHeader(_ name: String, values: [String]) {
        let existing = fieldIndices(name)
        let at = existing.first ?? fields.count
        willEditFields()
        for i in existing.reversed() { fields.remove(at: i) }
        let new = values.map { makeField(name, $0) }
        fields.insert(contentsOf: new, at: at)
        if !existing.isEmpty || !values.isEmpty { didEdit() }
    }

    /// Removes every field named `name`. Returns how many were removed.
    @discardableResult
    public mutating func removeHeader(_ name: String) -> Int {
        let existing = fieldIndices(name)
        for i in existing.reversed() { fields.remove(at: i) }
        if !existing.isEmpty { didEdit() }
        return existing.count
    }

    /// Replaces the field at `index` with `value` under the same name (as written for an
    /// unknown header, canonical for a known one): what removing it and adding the new one
    /// at `index` does.
    mutating func replaceHeader(at index: Int, with value: String) {
        willEditFields()
        fields[index] = makeField(fieldName(index), value)
        didEdit()
    }

    /// Removes the header field at `index` in `headerFields` order.
    public mutating func removeHeader(at index: Int) {
        guard fields.indices.contains(index) else { return }
        willEditFields()
        fields.remove(at: index)
        didEdit()
    }

    /// Replaces the body and keeps Content-Length (and Content-Type, if given) consistent.
    public mutating func setBody(_ body: [UInt8], contentType: String? = nil) {
        let start = storage.count
        storage += body
        bodyRange = start..<storage.count
        setHeader(KnownHeader.contentLength.name, String(body.count))
        if let contentType { setHeader(KnownHeader.contentType.name, contentType) }
        didEdit()
    }

    /// Rewrites the Request-Line of a request.
    public mutating func setRequestLine(method: String? = nil, uri: String? = nil) {
        guard isRequest else { return }
        let line = "\(clean(method ?? self.method ?? "")) \(clean(uri ?? requestURIText ?? "")) SIP/2.0"
        replaceStartLine(line)
    }

    /// Rewrites the Status-Line of a response.
    public mutating func setStatus(_ code: Int, reason: String) {
        guard !isRequest, (100...699).contains(code) else { return }
        replaceStartLine("SIP/2.0 \(code) \(clean(reason))")
    }

    // MARK: Internals

    private mutating func replaceStartLine(_ line: String) {
        let start = storage.count
        storage += Array(line.utf8)
        let text = start..<storage.count
        storage += [ASCII.cr, ASCII.lf]
        let parsed: StartLine? = storage.withUnsafeBufferPointer { p in try? StartLine.parse(p, text) }
        guard let parsed else {
            storage.removeSubrange(start...)
            return
        }
        startLine = parsed
        startLineText = text
        startLineFull = start..<storage.count
        didEdit()
    }

    /// Line breaks become spaces. By scalar: "\r\n" is one Character, so a Character test
    /// would miss it.
    private func clean(_ s: String) -> String {
        // Almost every value has no line break: return it as is (a scalar-by-scalar copy
        // was the main cost of proxy edits).
        if !s.utf8.contains(where: { $0 == ASCII.cr || $0 == ASCII.lf }) { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars { out.append(u == "\r" || u == "\n" ? " " : u) }
        return String(out)
    }

    /// The first edit of a message copies its field index (it is shared with the message it
    /// was copied from): the copy gets room for the fields a hop adds, so that inserting them
    /// does not copy it again.
    private mutating func willEditFields() {
        if !isModified { fields.reserveCapacity(fields.count + 8) }
    }

    /// Appends `name: value` CRLF, line breaks in either turned into spaces (byte for byte
    /// what `clean` does: CR and LF are single-byte scalars that occur in no other scalar's
    /// encoding), and gives the field indexing it.
    private mutating func makeField(_ name: String, _ value: String) -> Field {
        var name = name, value = value
        return name.withUTF8 { n in value.withUTF8 { v in makeField(n, v) } }
    }

    private mutating func makeField(_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> Field {
        // The line is put together (and read back) in a scratch buffer, then appended at once:
        // each append to `storage` checks uniqueness and capacity, a byte at a time included.
        let nameEnd = name.count, valueStart = nameEnd + 2, valueEnd = valueStart + value.count
        let start = storage.count
        let field = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: valueEnd + 2) { line -> Field in
            let base = line.baseAddress!
            if let n = name.baseAddress { base.initialize(from: n, count: nameEnd) }
            base[nameEnd] = ASCII.colon
            base[nameEnd + 1] = ASCII.sp
            if let v = value.baseAddress { (base + valueStart).initialize(from: v, count: value.count) }
            base[valueEnd] = ASCII.cr
            base[valueEnd + 1] = ASCII.lf
            let p = UnsafeBufferPointer(line)
            if ByteClass.hasLineBreak(p, 0..<valueEnd) {
                for i in 0..<valueEnd where base[i] == ASCII.cr || base[i] == ASCII.lf { base[i] = ASCII.sp }
            }
            // Parsing reads the name back when it is one token, and the value when no
            // whitespace around it is trimmed (line breaks are spaces by now).
            var token = nameEnd > 0
            for i in 0..<nameEnd where !ByteClass.isToken(p[i]) { token = false; break }
            let trimmed = valueEnd == valueStart || (!ByteClass.isSpace(p[valueStart]) && !ByteClass.isSpace(p[valueEnd - 1]))
            let header = KnownHeader.lookup(p, 0..<nameEnd)
            storage.append(contentsOf: p)
            return Field(header: header, line: start..<start + valueEnd + 2, name: start..<start + nameEnd,
                         value: start + valueStart..<start + valueEnd, readsBack: token && trimmed)
        }
        return field
    }

    private mutating func didEdit() {
        isModified = true
        isDatagramParse = false
        // Edits only append; rebuild the buffer once dead bytes dominate so a long-lived
        // message that is edited repeatedly stays bounded (a small buffer never qualifies).
        if storage.count > 4096, storage.count > 2 * serializedCount + 4096 { compact() }
    }

    /// Copies the live parts into a fresh buffer and re-points every range.
    mutating func compact() {
        var out = [UInt8]()
        out.reserveCapacity(serializedCount)
        func move(_ r: Range<Int>) -> Range<Int> {
            let s = out.count
            out += storage[r]
            return s..<out.count
        }
        let oldStart = startLineFull
        startLineFull = move(startLineFull)
        let shift = startLineFull.lowerBound - oldStart.lowerBound
        startLineText = startLineText.lowerBound + shift..<startLineText.upperBound + shift
        startLine.shift(by: shift)
        for k in fields.indices {
            let f = fields[k]
            fields[k] = f.moved(by: move(f.line).lowerBound - f.line.lowerBound)
        }
        separator = separator.isEmpty ? move(0..<0) : move(separator)
        bodyRange = move(bodyRange)
        storage = out
        messageStart = 0
    }
}

extension StartLine {
    /// Moves every range by `d` (the ranges the other kind of line leaves unused included;
    /// they are never read).
    mutating func shift(by d: Int) {
        func s(_ r: Range<Int>) -> Range<Int> { r.lowerBound + d..<r.upperBound + d }
        method = s(method); uri = s(uri); version = s(version); reason = s(reason)
    }
}
