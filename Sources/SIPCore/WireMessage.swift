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
    public var wire: WireMessage { (copy self).intoWire() }

    /// `wire`, taking the message over: it becomes the wire form's parse as it is, not a copy
    /// (whose every buffer is retained, and released with the message), for a sender that has
    /// no further use for it.
    public consuming func intoWire() -> WireMessage {
        let exact: Bool
        if !isModified && messageStart == 0 && bodyRange.upperBound == storage.count {
            // A whole datagram that was never edited is its own bytes; its index is their parse
            // when it came from one (or a builder), else when the checks say so.
            exact = isDatagramParse || parsesAsIndexed
        } else {
            // An edited message's buffer is its serialisation (see `SIPMessage+Editing`).
            if !isModified { moveToSerialisedLayout() }
            exact = parsesAsIndexed
            if exact {
                isModified = false
                isDatagramParse = true
                trailingByteCount = 0
            }
        }
        let bytes = storage
        let wire = WireMessage(bytes: bytes, parsed: exact ? consume self : nil)
        assert(wire.parsed.map { $0.hasSameIndex(as: try? SIPMessage(parsing: wire.bytes)) } ?? true, "wire parse differs from a parse")
        return wire
    }

    /// Whether the parser, with the default limits, reads this message's buffer, whole and in
    /// serialised layout, as this index: each field line reads back (`Field.readsBack`) and is
    /// followed by a field name or the empty line, never a continuation; what is left to check
    /// is what edits or other limits can break: lengths, counts, line ends and the
    /// Content-Length against the body.
    private var parsesAsIndexed: Bool {
        let limits = ParseLimits.default
        // Framing notes stand for a bare LF or a missing empty line, which serialising repairs.
        guard notes == nil, !separator.isEmpty, fields.count <= limits.maxHeaderCount,
              startLineText.lowerBound == startLineFull.lowerBound, startLineFull.count == startLineText.count + 2,
              startLineText.count <= limits.maxLineLength, storage.count <= limits.maxMessageSize else { return false }
        return storage.withUnsafeBufferPointer { p -> Bool in
            let line = startLineFull, s = separator
            guard p[line.lowerBound] != ASCII.cr, p[line.lowerBound] != ASCII.lf, p[line.upperBound - 2] == ASCII.cr,
                  p[line.upperBound - 1] == ASCII.lf,
                  s.count == 1 ? p[s.lowerBound] == ASCII.lf : p[s.lowerBound] == ASCII.cr && p[s.lowerBound + 1] == ASCII.lf else {
                return false
            }
            var contentLength: Field?
            for f in fields {
                let l = f.line
                guard f.readsBack, l.count - 2 <= limits.maxLineLength, p[l.upperBound - 2] == ASCII.cr,
                      p[l.upperBound - 1] == ASCII.lf else { return false }
                if contentLength == nil, f.header == .contentLength { contentLength = f }
            }
            // A datagram's body is the rest, or as long as the first Content-Length says.
            if let cl = contentLength, (try? MessageParser.contentLength(p, cl.value)) != bodyRange.count { return false }
            return true
        }
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
