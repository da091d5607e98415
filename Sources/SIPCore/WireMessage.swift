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
        let wire: WireMessage
        if let count = serialisedCountIfExactParse() {
            wire = whole ? WireMessage(bytes: storage, parsed: self) : reindexedSerialisation(count: count)
        } else {
            wire = WireMessage(bytes: whole ? storage : bytes, parsed: nil)
        }
        assert(wire.parsed.map { $0.hasSameIndex(as: try? SIPMessage(parsing: wire.bytes)) } ?? true, "wire parse differs from a parse")
        return wire
    }

    /// The length of this message's serialisation (start line, field lines, separator and body
    /// end to end) when the parser, with the default limits, reads it as this index moved onto
    /// it; nil when it might read it otherwise. Each field line reads back (`Field.readsBack`)
    /// and is followed by a field name or the empty line, never a continuation; what is left to
    /// check is what edits or other limits can break: lengths, counts, line ends and the
    /// Content-Length against the body. The bytes are checked where they are now.
    private func serialisedCountIfExactParse() -> Int? {
        let limits = ParseLimits.default
        // Framing notes stand for a bare LF or a missing empty line, which serialising repairs.
        guard framingNotes.isEmpty, !separator.isEmpty, fields.count <= limits.maxHeaderCount,
              startLineText.lowerBound == startLineFull.lowerBound, startLineFull.count == startLineText.count + 2,
              startLineText.count <= limits.maxLineLength else { return nil }
        return storage.withUnsafeBufferPointer { p -> Int? in
            let line = startLineFull, s = separator
            guard p[line.lowerBound] != ASCII.cr, p[line.lowerBound] != ASCII.lf, p[line.upperBound - 2] == ASCII.cr,
                  p[line.upperBound - 1] == ASCII.lf,
                  s.count == 1 ? p[s.lowerBound] == ASCII.lf : p[s.lowerBound] == ASCII.cr && p[s.lowerBound + 1] == ASCII.lf else {
                return nil
            }
            var count = line.count + s.count + bodyRange.count
            var contentLength: Field?
            for f in fields {
                let l = f.line
                guard f.readsBack, l.count - 2 <= limits.maxLineLength, p[l.upperBound - 2] == ASCII.cr,
                      p[l.upperBound - 1] == ASCII.lf else { return nil }
                count += l.count
                if contentLength == nil, f.header == .contentLength { contentLength = f }
            }
            guard count <= limits.maxMessageSize else { return nil }
            // A datagram's body is the rest, or as long as the first Content-Length says.
            if let cl = contentLength, (try? MessageParser.contentLength(p, cl.value)) != bodyRange.count { return nil }
            return count
        }
    }

    /// Serialises the message (`count` bytes) and moves its index onto the result in the
    /// same pass. (The index is appended into reserved capacity: `init(unsafeUninitializedCapacity:)`
    /// looks the storage type up at run time on every call, which costs more than the appends.)
    private func reindexedSerialisation(count: Int) -> WireMessage {
        var moved = [Field]()
        moved.reserveCapacity(fields.count)
        let bytes = storage.withUnsafeBufferPointer { src in
            [UInt8](unsafeUninitializedCapacity: count) { out, n in
                func copy(_ r: Range<Int>) {
                    UnsafeMutableRawPointer(out.baseAddress! + n).copyMemory(from: src.baseAddress! + r.lowerBound, byteCount: r.count)
                    n += r.count
                }
                copy(startLineFull)
                for f in fields {
                    moved.append(f.moved(by: n - f.line.lowerBound))
                    copy(f.line)
                }
                copy(separator)
                copy(bodyRange)
            }
        }
        let d = -startLineFull.lowerBound
        var line = startLine
        line.shift(by: d)
        let bodyStart = count - bodyRange.count
        let m = SIPMessage(storage: bytes, messageStart: 0, startLineText: startLineText.lowerBound + d..<startLineText.upperBound + d,
                           startLineFull: 0..<startLineFull.count, startLine: line, fields: moved,
                           separator: bodyStart - separator.count..<bodyStart, bodyRange: bodyStart..<count)
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
