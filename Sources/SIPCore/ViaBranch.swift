/// The top Via's branch, which matches every message to its transaction (three reads a hop).
extension SIPMessage {
    /// `topVia?.branch`: nil when there is no Via, the first Via field is malformed, or it has
    /// no branch value. The usual field (`SIP/2.0/T host[:port];params`, one element, no quotes)
    /// is checked and read in one byte pass; anything else takes the full parse.
    public var topViaBranch: String? {
        guard let i = fields.firstIndex(where: { $0.header == .via }) else { return nil }
        let r = fields[i].value
        let quick: String?? = storage.withUnsafeBufferPointer { p in Self.plainViaBranch(p, r) }
        if let quick { return quick }
        return topVia?.branch
    }

    /// Calls `body` once with the UTF-8 bytes of `topViaBranch` (nil when that is nil), without
    /// making a String for the plain form: a transaction layer finds its transaction from them.
    /// (Not generic: a generic body would not be specialised across the module boundary.)
    public func withTopViaBranch(_ body: (UnsafeBufferPointer<UInt8>?) -> Void) {
        guard let i = fields.firstIndex(where: { $0.header == .via }) else { return body(nil) }
        let r = fields[i].value
        let plain: Bool = storage.withUnsafeBufferPointer { p in
            guard let branch = Self.plainViaBranchRange(p, r) else { return false }
            body(branch.map { UnsafeBufferPointer(rebasing: p[$0]) })
            return true
        }
        if plain { return }
        guard let branch = topVia?.branch else { return body(nil) }
        branch.withBytes { body($0) }
    }

    /// The branch of a Via field value in the plain form, `.some(nil)` when that form has no
    /// branch value; nil when the value is not in the plain form. Everything this accepts,
    /// `Via.scan` (through `fieldValues`) accepts too, with the same branch.
    static func plainViaBranch(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String?? {
        plainViaBranchRange(p, r).map { $0.map { String(p, $0) } }
    }

    /// `plainViaBranch` as the range of the branch value in `p`.
    static func plainViaBranchRange(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Range<Int>?? {
        let f = ByteClass.flags
        var i = r.lowerBound, e = r.upperBound
        while i < e, ByteClass.isLWS(p[i]) { i += 1 }
        while e > i, ByteClass.isLWS(p[e - 1]) { e -= 1 }
        // "SIP/2.0/" (read as one word) and a transport token, then exactly one space.
        guard e - i > 8, word64(p, i) == 0x2F30_2E32_2F50_4953 else { return nil }
        i += 8
        let ts = i
        while i < e, f[Int(p[i])] & ByteClass.tokenFlag != 0 { i += 1 }
        guard i > ts, i < e, p[i] == ASCII.sp else { return nil }
        i += 1
        // Host: an IPv6 reference or host characters.
        let hs = i
        if i < e, p[i] == ASCII.lbracket {
            while i < e, p[i] != ASCII.rbracket {
                if p[i] == ASCII.comma || p[i] == ASCII.quote || ByteClass.isLWS(p[i]) { return nil }
                i += 1
            }
            guard i < e else { return nil }
            i += 1
        } else {
            while i < e, f[Int(p[i])] & ByteClass.hostFlag != 0 { i += 1 }
            guard i > hs else { return nil }
        }
        if i < e, p[i] == ASCII.colon {
            i += 1
            let ds = i
            var port = 0
            while i < e, ByteClass.isDigit(p[i]) {
                port = port * 10 + Int(p[i] &- 0x30)
                guard port <= 65535 else { return nil }
                i += 1
            }
            guard i > ds else { return nil }
        }
        // ;name[=value] with token names and unquoted gen-values, up to the end.
        var branch: Range<Int>?? = nil
        while i < e {
            guard p[i] == ASCII.semicolon else { return nil }
            i += 1
            let ns = i
            while i < e, f[Int(p[i])] & ByteClass.tokenFlag != 0 { i += 1 }
            guard i > ns else { return nil }
            let name = ns..<i
            var value: Range<Int>?
            if i < e, p[i] == ASCII.equals {
                i += 1
                let vs = i
                while i < e, f[Int(p[i])] & ByteClass.genValueFlag != 0 { i += 1 }
                guard i > vs else { return nil }
                value = vs..<i
            }
            if branch == nil, name.count == 6, isBranchName(p, ns) { branch = .some(value) }
        }
        guard let b = branch else { return .some(nil) }
        return .some(b)
    }

    /// The 8 bytes at `i` as a little-endian word (the caller has checked they are in `p`).
    @inline(__always)
    private static func word64(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self))
    }

    /// Whether the 6 bytes at `i` (in `p`) are "branch" in any case: OR 0x20 lowercases a
    /// letter and maps no other byte onto one, so for a word of letters it is the
    /// case-insensitive compare of `equalsLowercased`.
    @inline(__always)
    private static func isBranchName(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        let raw = UnsafeRawPointer(p.baseAddress! + i)
        let head = UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)) | 0x2020_2020
        let tail = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt16.self)) | 0x2020
        return head == 0x6E61_7262 && tail == 0x6863  // "bran", "ch"
    }
}
