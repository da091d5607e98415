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
        // A parse of a whole datagram that was never edited is its own bytes and index.
        let whole = !isModified && messageStart == 0 && bodyRange.upperBound == storage.count
        let bytes = whole ? storage : self.bytes
        let parsed = whole ? (readsBack(self) ? self : nil) : reindexed(over: bytes)
        assert(parsed.map { $0.hasSameIndex(as: try? SIPMessage(parsing: bytes)) } ?? true, "wire parse differs from a parse")
        return WireMessage(bytes: bytes, parsed: parsed)
    }

    /// This message's index moved onto `bytes` (its serialisation: start line, field lines,
    /// separator and body end to end), when `readsBack` holds for the result.
    private func reindexed(over bytes: [UInt8]) -> SIPMessage? {
        let d = -startLineFull.lowerBound
        var line = startLine
        line.shift(by: d)
        var o = startLineFull.count
        let moved = [Field](unsafeUninitializedCapacity: fields.count) { out, n in
            for f in fields {
                (out.baseAddress! + n).initialize(to: f.moved(by: o - f.line.lowerBound))
                o += f.line.count
                n += 1
            }
        }
        let separator = o..<o + self.separator.count
        let m = SIPMessage(storage: bytes, messageStart: 0, startLineText: startLineText.lowerBound + d..<startLineText.upperBound + d,
                           startLineFull: 0..<startLineFull.count, startLine: line, fields: moved, separator: separator,
                           bodyRange: separator.upperBound..<separator.upperBound + bodyRange.count)
        return readsBack(m) ? m : nil
    }

    /// Whether `m`, a message over exactly its own bytes, is what the parser builds from them
    /// with the default limits. Each field line reads back (`Field.readsBack`) and is followed
    /// by a field name or the empty line, never a continuation; what is left to check is what
    /// an edit or other limits can break: lengths, counts, line ends and the Content-Length
    /// against the body. `self` holds the framing notes of the original parse.
    private func readsBack(_ m: SIPMessage) -> Bool {
        let limits = ParseLimits.default
        // Framing notes stand for a bare LF or a missing empty line, which serialising repairs.
        guard framingNotes.isEmpty, !m.separator.isEmpty, m.storage.count <= limits.maxMessageSize,
              m.bodyRange.upperBound == m.storage.count, m.fields.count <= limits.maxHeaderCount,
              m.startLineText.lowerBound == 0, m.startLineFull.count == m.startLineText.count + 2,
              m.startLineText.count <= limits.maxLineLength else { return false }
        return m.storage.withUnsafeBufferPointer { p -> Bool in
            let line = m.startLineFull, s = m.separator
            guard p[0] != ASCII.cr, p[0] != ASCII.lf, p[line.upperBound - 2] == ASCII.cr, p[line.upperBound - 1] == ASCII.lf,
                  s.count == 1 ? p[s.lowerBound] == ASCII.lf : p[s.lowerBound] == ASCII.cr && p[s.lowerBound + 1] == ASCII.lf else {
                return false
            }
            for f in m.fields {
                let l = f.line
                guard f.readsBack, l.count - 2 <= limits.maxLineLength, p[l.upperBound - 2] == ASCII.cr,
                      p[l.upperBound - 1] == ASCII.lf else { return false }
            }
            // A datagram's body is the rest, or as long as the first Content-Length says.
            guard let cl = m.fields.first(where: { $0.header == .contentLength }) else { return true }
            return (try? MessageParser.contentLength(p, cl.value)) == m.bodyRange.count
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
