/// The branch of a transaction key: an ASCII branch of at most 23 bytes (the magic cookie and
/// 16 hex digits, as this harness and most peers write it) packed in three words, any other
/// kept as a String. A key is made for every transaction and a message's branch bytes are
/// compared with it, so the usual branch needs no String storage. Equal as the Strings they
/// stand for are. (A struct, not an enum of the two forms: a key inside a `Match` enum would
/// then be copied and destroyed through outlined value operations.)
struct TransactionBranch: Equatable {
    /// The bytes, zero-padded, with the count in the last byte; all zero when `text` holds it.
    private let words: (UInt64, UInt64, UInt64)
    /// The branch when it is not packed.
    private let text: String?

    init(_ text: String) {
        if let words = withUTF8Bytes(text, Self.packed) {
            self.words = words
            self.text = nil
        } else {
            words = (0, 0, 0)
            self.text = text
        }
    }

    /// `TransactionBranch(String(decoding: b, as: UTF8.self))`, without the String when packed.
    init(bytes b: UnsafeBufferPointer<UInt8>) {
        if let words = Self.packed(b) {
            self.words = words
            text = nil
        } else {
            words = (0, 0, 0)
            text = String(decoding: b, as: UTF8.self)
        }
    }

    /// The packed form of `b`; nil above 23 bytes or when one is not ASCII.
    private static func packed(_ b: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64, UInt64)? {
        guard b.count <= 23 else { return nil }
        var w: (UInt64, UInt64, UInt64) = (0, 0, UInt64(b.count) << 56)
        withUnsafeMutableBytes(of: &w) { $0.copyMemory(from: UnsafeRawBufferPointer(b)) }
        // The count (at most 23) has its high bit clear too.
        guard (w.0 | w.1 | w.2) & 0x8080_8080_8080_8080 == 0 else { return nil }
        return w
    }

    var isPacked: Bool { text == nil }

    /// The branch as a String.
    var string: String { text ?? withBytes { String(decoding: $0, as: UTF8.self) } }

    /// `body` on the branch's UTF-8 bytes.
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let text { return withUTF8Bytes(text, body) }
        return withUnsafeBytes(of: words) { raw in
            body(UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: Int(words.2 >> 56)))
        }
    }

    /// Whether this branch is exactly the bytes `b` (for ASCII `b`, the same as being equal to
    /// their String).
    func hasBytes(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        if let text { return ByteHash.equal(text, b) }
        guard let w = Self.packed(b) else { return false }
        return w == words
    }

    static func == (x: TransactionBranch, y: TransactionBranch) -> Bool {
        if x.text == nil, y.text == nil { return x.words == y.words }
        // Packed texts are ASCII and equal only the same ASCII; canonical equivalence (a
        // KELVIN SIGN is a K) can still make an unpacked text equal to a packed one.
        return x.string == y.string
    }
}
