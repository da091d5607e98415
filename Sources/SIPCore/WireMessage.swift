/// A message as it goes on the wire: its bytes and, when known without parsing them, the
/// message a receiver parsing them as a datagram gets. Only `SIPMessage.wire` makes one, so
/// the two always agree.
public struct WireMessage: Sendable {
    public let bytes: [UInt8]
    /// Exactly `try? SIPMessage(parsing: bytes)`: same index, framing notes and trailing
    /// count. Nil when only a parse can tell.
    public let parsed: SIPMessage?
}

extension SIPMessage {
    /// The bytes to send, with their parse carried over from this message's index, so that
    /// a hop in the same process does not parse what was just serialised.
    public var wire: WireMessage {
        let wire: WireMessage
        if !isModified && messageStart == 0 && bodyRange.upperBound == storage.count {
            // A whole datagram that was never edited is its own bytes; its index is their parse
            // when it came from one (or a builder), else when the checks say so.
            let exact = isDatagramParse || serialisedCountIfExactParse() != nil
            wire = WireMessage(bytes: storage, parsed: exact ? self : nil)
        } else {
            wire = reindexedSerialisation() ?? WireMessage(bytes: bytes, parsed: nil)
        }
        assert(wire.parsed.map { $0.hasSameIndex(as: try? SIPMessage(parsing: wire.bytes)) } ?? true, "wire parse differs from a parse")
        return wire
    }

    /// Whether the parser, with the default limits, reads this message's serialisation (start
    /// line, field lines, separator and body end to end) as this index moved onto it: each
    /// field line reads back (`Field.readsBack`) and is followed by a field name or the empty
    /// line, never a continuation; what is left to check is what edits or other limits can
    /// break: lengths, counts, line ends and the Content-Length against the body. The bytes
    /// are checked where they are now. `visit` sees each field with the offset its line has in
    /// the serialisation; the result is the serialisation's length, or nil (visiting stops).
    @inline(__always)  // so that `visit` is inlined too
    private func serialisedCountIfExactParse(_ visit: (Field, Int) -> Void = { _, _ in }) -> Int? {
        let limits = ParseLimits.default
        // Framing notes stand for a bare LF or a missing empty line, which serialising repairs.
        guard notes == nil, !separator.isEmpty, fields.count <= limits.maxHeaderCount,
              startLineText.lowerBound == startLineFull.lowerBound, startLineFull.count == startLineText.count + 2,
              startLineText.count <= limits.maxLineLength else { return nil }
        return storage.withUnsafeBufferPointer { p -> Int? in
            let line = startLineFull, s = separator
            guard p[line.lowerBound] != ASCII.cr, p[line.lowerBound] != ASCII.lf, p[line.upperBound - 2] == ASCII.cr,
                  p[line.upperBound - 1] == ASCII.lf,
                  s.count == 1 ? p[s.lowerBound] == ASCII.lf : p[s.lowerBound] == ASCII.cr && p[s.lowerBound + 1] == ASCII.lf else {
                return nil
            }
            var count = line.count
            var contentLength: Field?
            for f in fields {
                let l = f.line
                guard f.readsBack, l.count - 2 <= limits.maxLineLength, p[l.upperBound - 2] == ASCII.cr,
                      p[l.upperBound - 1] == ASCII.lf else { return nil }
                visit(f, count)
                count += l.count
                if contentLength == nil, f.header == .contentLength { contentLength = f }
            }
            count += s.count + bodyRange.count
            guard count <= limits.maxMessageSize else { return nil }
            // A datagram's body is the rest, or as long as the first Content-Length says.
            if let cl = contentLength, (try? MessageParser.contentLength(p, cl.value)) != bodyRange.count { return nil }
            return count
        }
    }

    /// Serialises the message and moves its index onto the result, when the parser reads the
    /// bytes as that index (`serialisedCountIfExactParse`); nil otherwise. (The index is
    /// appended into reserved capacity: `init(unsafeUninitializedCapacity:)` looks the storage
    /// type up at run time on every call, which costs more than the appends.)
    private func reindexedSerialisation() -> WireMessage? {
        var moved = [Field]()
        moved.reserveCapacity(fields.count)
        guard let count = serialisedCountIfExactParse({ f, at in moved.append(f.moved(by: at - f.line.lowerBound)) }) else {
            return nil
        }
        let bytes = storage.withUnsafeBufferPointer { src in
            [UInt8](unsafeUninitializedCapacity: count) { out, n in
                // Parts that lie end to end in the buffer (a whole parse, the untouched fields of
                // an edited one) are copied as one run.
                var run = startLineFull
                func flush() {
                    UnsafeMutableRawPointer(out.baseAddress! + n).copyMemory(from: src.baseAddress! + run.lowerBound, byteCount: run.count)
                    n += run.count
                }
                func add(_ r: Range<Int>) {
                    if r.lowerBound == run.upperBound {
                        run = run.lowerBound..<r.upperBound
                    } else if !r.isEmpty {
                        flush()
                        run = r
                    }
                }
                for f in fields { add(f.line) }
                add(separator)
                add(bodyRange)
                flush()
            }
        }
        let d = -startLineFull.lowerBound
        var line = startLine
        line.shift(by: d)
        let bodyStart = count - bodyRange.count
        var m = SIPMessage(storage: bytes, messageStart: 0, startLineText: startLineText.lowerBound + d..<startLineText.upperBound + d,
                           startLineFull: 0..<startLineFull.count, startLine: line, fields: moved,
                           separator: bodyStart - separator.count..<bodyStart, bodyRange: bodyStart..<count)
        m.isDatagramParse = true
        return WireMessage(bytes: bytes, parsed: m)
    }

    /// Whether `other` is this message with the same buffer contents, index, framing notes
    /// and trailing count (what two parses of the same bytes give). The start line ranges its
    /// kind leaves unused are never read, so they are not compared.
    func hasSameIndex(as other: SIPMessage?) -> Bool {
        guard let other else { return false }
        let a = startLine, b = other.startLine
        let sameLine = a.isRequest == b.isRequest && a.version == b.version
            && (a.isRequest ? a.method == b.method && a.uri == b.uri : a.status == b.status && a.reason == b.reason)
        return storage == other.storage && messageStart == other.messageStart && startLineText == other.startLineText
            && startLineFull == other.startLineFull && sameLine
            && fields.elementsEqual(other.fields) { $0.header == $1.header && $0.line == $1.line && $0.name == $1.name && $0.value == $1.value }
            && separator == other.separator && bodyRange == other.bodyRange && isModified == other.isModified
            && trailingByteCount == other.trailingByteCount && framingNotes == other.framingNotes
    }
}
