/// Edits. The first edit puts the buffer in serialised layout (`isSerialisedLayout`: start
/// line, field lines, empty line and body end to end, as `bytes` gives them); each edit then
/// splices its text into place and moves what follows, so the buffer is always the message to
/// send and every byte not edited is kept as it arrived. Line breaks inside a new value become
/// spaces: header injection by CRLF has to be crafted as raw bytes on purpose, never by accident.
extension SIPMessage {
    /// Appends a header field after the last one (or inserts it at `index`).
    public mutating func addHeader(_ name: String, _ value: String, at index: Int? = nil) {
        insertField(name, value, at: min(max(index ?? fields.count, 0), fields.count))
    }

    /// Inserts a field before the first field of the same name (e.g. a new top Via),
    /// or at the top of the header section when there is none.
    public mutating func prependHeader(_ name: String, _ value: String) {
        // A known header (Via, Record-Route on every hop) is found without an index array.
        let known = KnownHeader(name: name)
        let at = known != .other ? fields.firstIndex { $0.header == known } : fieldIndices(name).first
        insertField(name, value, at: at ?? 0, known: known)
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
                    replaceField(at: index, name, value, known: known)
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
        for i in existing.reversed() { removeField(at: i) }
        for (k, value) in values.enumerated() { insertField(name, value, at: at + k) }
    }

    /// Removes every field named `name`. Returns how many were removed.
    @discardableResult
    public mutating func removeHeader(_ name: String) -> Int {
        let existing = fieldIndices(name)
        for i in existing.reversed() { removeField(at: i) }
        return existing.count
    }

    /// Replaces the field at `index` with `value` under the same name (as written for an
    /// unknown header, canonical for a known one): what removing it and adding the new one
    /// at `index` does.
    mutating func replaceHeader(at index: Int, with value: String) {
        replaceField(at: index, fieldName(index), value)
    }

    /// Removes the header field at `index` in `headerFields` order.
    public mutating func removeHeader(at index: Int) {
        guard fields.indices.contains(index) else { return }
        removeField(at: index)
    }

    /// Replaces the body and keeps Content-Length (and Content-Type, if given) consistent.
    public mutating func setBody(_ body: [UInt8], contentType: String? = nil) {
        prepareToEdit()
        let start = bodyRange.lowerBound
        // The body ends the buffer: nothing after it moves.
        body.withUnsafeBufferPointer { splice(bodyRange, with: $0, movingFieldsFrom: fields.count) }
        bodyRange = start..<start + body.count
        setHeader(KnownHeader.contentLength.name, String(body.count))
        if let contentType { setHeader(KnownHeader.contentType.name, contentType) }
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

    /// Replaces the start line when `line` parses as one; else leaves the message as it is.
    private mutating func replaceStartLine(_ line: String) {
        let new = Array(line.utf8) + [ASCII.cr, ASCII.lf]
        let text = 0..<new.count - 2
        guard var parsed = new.withUnsafeBufferPointer({ p in try? StartLine.parse(p, text) }) else { return }
        prepareToEdit()
        let at = startLineFull.lowerBound
        new.withUnsafeBufferPointer { splice(startLineFull, with: $0, movingFieldsFrom: 0) }
        parsed.shift(by: at)
        startLine = parsed
        startLineText = at..<at + text.count
        startLineFull = at..<at + new.count
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

    /// Writes `name: value` as field `index`, the fields from there on moving down one.
    /// `known`: `KnownHeader(name: name)` when the caller has it (see `writeField`).
    private mutating func insertField(_ name: String, _ value: String, at index: Int, known: KnownHeader = .other) {
        prepareToEdit()
        let at = index < fields.count ? fields[index].line.lowerBound : separator.lowerBound
        let field = writeField(name, value, known: known, over: at..<at, movingFieldsFrom: index)
        fields.insert(field, at: index)
    }

    /// Writes `name: value` over field `index`.
    private mutating func replaceField(at index: Int, _ name: String, _ value: String, known: KnownHeader = .other) {
        prepareToEdit()
        fields[index] = writeField(name, value, known: known, over: fields[index].line, movingFieldsFrom: index + 1)
    }

    /// Cuts the first `count` bytes of field `index`'s value (its first list element).
    mutating func dropValuePrefix(at index: Int, count: Int) {
        prepareToEdit()
        let f = fields[index], at = f.value.lowerBound
        splice(at..<at + count, with: UnsafeBufferPointer(start: nil, count: 0), movingFieldsFrom: index + 1)
        // The cut (`firstElementCut`) leaves a plain line's layout: plain for a known header.
        fields[index] = Field(header: f.header, line: f.line.lowerBound..<f.line.upperBound - count, name: f.name,
                              value: at..<f.value.upperBound - count, readsBack: true, plainLine: f.header != .other)
    }

    private mutating func removeField(at index: Int) {
        prepareToEdit()
        splice(fields[index].line, with: UnsafeBufferPointer(start: nil, count: 0), movingFieldsFrom: index + 1)
        fields.remove(at: index)
    }

    /// The first edit of a message puts its buffer in serialised layout, with room for the
    /// lines a hop adds, and copies its field index (both are shared with the message it was
    /// copied from, and the bytes a parse came from) with room for the fields a hop adds, so
    /// neither is copied again. A received message is almost always in that layout already.
    private mutating func prepareToEdit() {
        guard !isModified else { return }
        if isWholeDatagramParse || isSerialisedLayout {
            storage.reserveCapacity(storage.count + 512)
        } else {
            moveToSerialisedLayout(room: 512)
        }
        fields.reserveCapacity(fields.count + 8)
        isModified = true
        isDatagramParse = false
    }

    /// A parse of a whole datagram that noted nothing, as a builder's or `wire`'s index is: the
    /// parser then found the parts end to end (each line with its end, a non-empty empty line),
    /// so the buffer is in serialised layout without checking it again.
    private var isWholeDatagramParse: Bool {
        let whole = isDatagramParse && messageStart == 0 && bodyRange.upperBound == storage.count
        assert(!whole || isSerialisedLayout, "a whole datagram parse is not in serialised layout")
        return whole
    }

    /// Whether the buffer holds exactly the serialisation (`bytes` of an edited message) with
    /// every part in place: start line, field lines each with its line end, a non-empty empty
    /// line and the body, end to end from offset 0.
    var isSerialisedLayout: Bool {
        guard messageStart == 0, startLineFull.lowerBound == 0, !separator.isEmpty,
              bodyRange.lowerBound == separator.upperBound, bodyRange.upperBound == storage.count else { return false }
        return storage.withUnsafeBufferPointer { p in
            var at = startLineFull.upperBound
            for f in fields {
                let line = f.line
                guard line.lowerBound == at, Self.missingLineEnd(p, line) == 0 else { return false }
                at = line.upperBound
            }
            return at == separator.lowerBound
        }
    }

    /// Copies the message into a fresh buffer in serialised layout and re-points every range:
    /// what precedes the start line and follows the body is left out, a field line that lacks
    /// its line end (a datagram's last) gets one, and a missing empty line is written.
    mutating func moveToSerialisedLayout(room: Int = 0) {
        let old = storage
        var out = [UInt8]()
        out.reserveCapacity(serialisedLayoutCount + room)
        old.withUnsafeBufferPointer { p in
            func move(_ r: Range<Int>) -> Range<Int> {
                let s = out.count
                out.append(contentsOf: UnsafeBufferPointer(rebasing: p[r]))
                return s..<out.count
            }
            let shift = -startLineFull.lowerBound
            startLineFull = move(startLineFull)
            startLineText = startLineText.lowerBound + shift..<startLineText.upperBound + shift
            startLine.shift(by: shift)
            for k in fields.indices {
                let f = fields[k], line = f.line
                let at = move(line).lowerBound
                switch Self.missingLineEnd(p, line) {
                case 1: out.append(ASCII.lf)
                case 2: out.append(ASCII.cr); out.append(ASCII.lf)
                default: break
                }
                fields[k] = f.moved(by: at - line.lowerBound, lineEnd: out.count - at - line.count)
            }
            if separator.isEmpty {
                separator = out.count..<out.count + 2
                out.append(ASCII.cr); out.append(ASCII.lf)
            } else {
                separator = move(separator)
            }
            bodyRange = move(bodyRange)
        }
        storage = out
        messageStart = 0
    }

    /// The length of the serialised layout.
    private var serialisedLayoutCount: Int {
        storage.withUnsafeBufferPointer { p in
            var n = startLineFull.count + (separator.isEmpty ? 2 : separator.count) + bodyRange.count
            for f in fields { n += f.line.count + Self.missingLineEnd(p, f.line) }
            return n
        }
    }

    /// Writes `name: value` CRLF over the bytes at `r`, line breaks in either turned into
    /// spaces (byte for byte what `clean` does: CR and LF are single-byte scalars that occur in
    /// no other scalar's encoding), and gives the field indexing it.
    /// `known`, when not `.other`, is `KnownHeader(name: name)`: the lookup of the name as
    /// written, which is the line's header unless the name holds a line break.
    private mutating func writeField(_ name: String, _ value: String, known: KnownHeader,
                                     over r: Range<Int>, movingFieldsFrom k: Int) -> Field {
        // A known header is almost always named by its canonical literal: a String compare
        // (two words for a small one) tells it.
        let canonical = known != .other ? name == known.name : nil
        var name = name, value = value
        return name.withUTF8 { n in
            value.withUTF8 { v in writeField(n, v, known: known, canonical: canonical, over: r, movingFieldsFrom: k) }
        }
    }

    /// `canonical`, when not nil, says whether `name` is `known`'s canonical name.
    private mutating func writeField(_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>, known: KnownHeader,
                                     canonical: Bool?, over r: Range<Int>, movingFieldsFrom k: Int) -> Field {
        // The line is put together (and read back) in a scratch buffer, then spliced in at once.
        let nameEnd = name.count, valueStart = nameEnd + 2, valueEnd = valueStart + value.count
        let start = r.lowerBound
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: valueEnd + 2) { line -> Field in
            let base = line.baseAddress!
            if let n = name.baseAddress { base.initialize(from: n, count: nameEnd) }
            base[nameEnd] = ASCII.colon
            base[nameEnd + 1] = ASCII.sp
            if let v = value.baseAddress { (base + valueStart).initialize(from: v, count: value.count) }
            base[valueEnd] = ASCII.cr
            base[valueEnd + 1] = ASCII.lf
            let p = UnsafeBufferPointer(line)
            // One scan tells a plain ASCII line; only one with other bytes is scanned again.
            let plainBytes = !ByteClass.hasLineBreak(p, 0..<valueEnd, orNonASCII: true)
            let lineBreak = !plainBytes && ByteClass.hasLineBreak(p, 0..<valueEnd)
            if lineBreak {
                for i in 0..<valueEnd where base[i] == ASCII.cr || base[i] == ASCII.lf { base[i] = ASCII.sp }
            }
            let header = known != .other && !lineBreak ? known : KnownHeader.lookup(p, 0..<nameEnd)
            // Parsing reads the name back when it is one token (a known name is: letters,
            // digits and '-'), and the value when no whitespace around it is trimmed (line
            // breaks are spaces by now).
            var token = nameEnd > 0
            if header == .other {
                for i in 0..<nameEnd where !ByteClass.isToken(p[i]) { token = false; break }
            }
            let trimmed = valueEnd == valueStart || (!ByteClass.isSpace(p[valueStart]) && !ByteClass.isSpace(p[valueEnd - 1]))
            // With no line break the name is as given, and its header `known` when that is not `.other`.
            let plain = plainBytes && token && trimmed && header != .other
                && (canonical ?? header.isCanonicalName(p, 0..<nameEnd))
            splice(r, with: p, movingFieldsFrom: k)
            return Field(header: header, line: start..<start + valueEnd + 2, name: start..<start + nameEnd,
                         value: start + valueStart..<start + valueEnd, readsBack: token && trimmed, plainLine: plain)
        }
    }

    /// Replaces the bytes at `r` with `new`, moving what follows: the fields from index `k`
    /// on, and the empty line and body when they follow `r` (serialised layout: the buffer is
    /// the parts end to end, so everything after `r` is one run).
    private mutating func splice(_ r: Range<Int>, with new: UnsafeBufferPointer<UInt8>, movingFieldsFrom k: Int) {
        storage.replaceSubrange(r, with: new)
        let delta = new.count - r.count
        guard delta != 0 else { return }
        fields.withUnsafeMutableBufferPointer { f in
            for i in k..<f.count { f[i] = f[i].moved(by: delta) }
        }
        if r.upperBound <= separator.lowerBound {
            separator = separator.lowerBound + delta..<separator.upperBound + delta
            bodyRange = bodyRange.lowerBound + delta..<bodyRange.upperBound + delta
        }
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
