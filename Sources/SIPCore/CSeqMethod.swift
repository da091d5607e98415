/// The CSeq method, which matches every response to its client transaction.
extension SIPMessage {
    /// `cseqValue?.method`: nil when there is no CSeq or the first CSeq field is malformed.
    /// The usual `number SP method` value is checked and read in one byte pass; anything else
    /// takes the full parse.
    public var cseqMethodName: String? {
        guard let i = fields.firstIndex(where: { $0.header == .cseq }) else { return nil }
        let r = fields[i].value
        let quick: String? = storage.withUnsafeBufferPointer { p in Self.plainCSeqMethod(p, r) }
        return quick ?? cseqValue?.method
    }

    /// The method of a CSeq value `LWS* digits LWS+ token LWS*` with the number at most
    /// 2**31 - 1 (what `CSeq.scan` through `fieldValues` accepts); nil otherwise.
    static func plainCSeqMethod(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String? {
        let f = ByteClass.flags
        var i = r.lowerBound, e = r.upperBound
        while i < e, ByteClass.isLWS(p[i]) { i += 1 }
        while e > i, ByteClass.isLWS(p[e - 1]) { e -= 1 }
        let ds = i
        var n = 0
        while i < e, ByteClass.isDigit(p[i]) {
            n = n * 10 + Int(p[i] &- 0x30)
            guard n <= Int(Int32.max) else { return nil }
            i += 1
        }
        guard i > ds else { return nil }
        let gap = i
        while i < e, ByteClass.isLWS(p[i]) { i += 1 }
        guard i > gap else { return nil }
        let ms = i
        while i < e, f[Int(p[i])] & ByteClass.tokenFlag != 0 { i += 1 }
        guard i > ms, i == e else { return nil }
        return methodName(p, ms..<e)
    }

    /// The method name at `p[r]` as text: a common method is its literal, so that the many
    /// reads of a method (Request-Line and CSeq, on every hop) neither validate its bytes nor
    /// make a String again. The first byte picks the literals it can be.
    static func methodName(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
        guard !r.isEmpty else { return "" }
        @inline(__always) func isText(_ s: StaticString) -> Bool {
            guard r.count == s.utf8CodeUnitCount else { return false }
            let q = s.utf8Start
            for k in 0..<r.count where p[r.lowerBound + k] != q[k] { return false }
            return true
        }
        switch p[r.lowerBound] {
        case UInt8(ascii: "I"):
            if isText("INVITE") { return "INVITE" }
            if isText("INFO") { return "INFO" }
        case UInt8(ascii: "A"): if isText("ACK") { return "ACK" }
        case UInt8(ascii: "B"): if isText("BYE") { return "BYE" }
        case UInt8(ascii: "R"):
            if isText("REGISTER") { return "REGISTER" }
            if isText("REFER") { return "REFER" }
        case UInt8(ascii: "C"): if isText("CANCEL") { return "CANCEL" }
        case UInt8(ascii: "O"): if isText("OPTIONS") { return "OPTIONS" }
        case UInt8(ascii: "P"):
            if isText("PRACK") { return "PRACK" }
            if isText("PUBLISH") { return "PUBLISH" }
        case UInt8(ascii: "U"): if isText("UPDATE") { return "UPDATE" }
        case UInt8(ascii: "M"): if isText("MESSAGE") { return "MESSAGE" }
        case UInt8(ascii: "S"): if isText("SUBSCRIBE") { return "SUBSCRIBE" }
        case UInt8(ascii: "N"): if isText("NOTIFY") { return "NOTIFY" }
        default: break
        }
        return String(p, r)
    }
}
