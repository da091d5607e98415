/// A range of a shared byte buffer, 16 bytes wide: typed values point into the message they
/// were parsed from instead of copying, and stay small enough to move around cheaply.
struct ByteSpan: Sendable {
    var storage: [UInt8]
    var lo: Int32
    var hi: Int32

    init(_ storage: [UInt8], _ r: Range<Int>) {
        // Offsets are 32-bit; a buffer too large for that is sliced into its own copy.
        if r.upperBound <= Int(Int32.max) {
            self.storage = storage
            lo = Int32(r.lowerBound)
            hi = Int32(r.upperBound)
        } else {
            self.storage = Array(storage[r])
            lo = 0
            hi = Int32(clamping: r.count)
        }
    }

    init(_ bytes: [UInt8]) { self.init(bytes, 0..<bytes.count) }
    init() { self.init([], 0..<0) }

    var range: Range<Int> { Int(lo)..<Int(hi) }
    var count: Int { Int(hi - lo) }
    var isEmpty: Bool { hi == lo }
    var bytes: ArraySlice<UInt8> { storage[range] }

    /// The span's bytes, indexed from 0.
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// `sub` is relative to the span's start.
    func string(_ sub: Range<Int>) -> String {
        withBytes { String($0, sub) }
    }

    var string: String { withBytes { String($0, 0..<$0.count) } }

    /// A sub-span; `sub` is relative to this span's start.
    func slice(_ sub: Range<Int>) -> ByteSpan {
        var s = self
        s.lo = lo + Int32(sub.lowerBound)
        s.hi = lo + Int32(sub.upperBound)
        return s
    }

    func elementsEqual(_ other: ByteSpan) -> Bool {
        count == other.count && withBytes { a in other.withBytes { b in a.elementsEqual(b) } }
    }
}

/// Text kept as the message bytes it came from until someone reads it as a String, or a
/// String set in code. Parsing then creates no String for values nobody looks at.
struct SharedText: Hashable, Sendable {
    private enum Storage: Sendable {
        case bytes(ByteSpan)
        case string(String)
    }
    private var storage: Storage

    init(_ s: String) { storage = .string(s) }
    init(_ span: ByteSpan) { storage = .bytes(span) }

    var string: String {
        get {
            switch storage {
            case .bytes(let b): return b.string
            case .string(let s): return s
            }
        }
        set { storage = .string(newValue) }
    }

    static func == (a: SharedText, b: SharedText) -> Bool {
        switch (a.storage, b.storage) {
        case (.bytes(let x), .bytes(let y)): return x.elementsEqual(y)
        default: return a.string == b.string
        }
    }

    func hash(into h: inout Hasher) { h.combine(string) }
}

/// A range stored in 32 bits a side, to keep values that carry several of them small.
struct OffsetRange: Hashable, Sendable {
    var lo: Int32
    var hi: Int32

    init(_ r: Range<Int>) {
        lo = Int32(clamping: r.lowerBound)
        hi = Int32(clamping: r.upperBound)
    }

    var range: Range<Int> { Int(lo)..<Int(hi) }
}
