/// Canonical JSON (as `JSONValue.canonicalBytes` writes it) streamed straight to bytes, for
/// documents too large to build as a `JSONValue` first: the audit report lists up to a
/// thousand dialogs, and building then writing the tree cost three times the writing alone.
/// The caller gives each object's members in key order (UTF-8 byte order); debug builds
/// check it.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Bit d: the object or array open at depth d + 1 has an element (a comma goes before the
    /// next). Documents nest at most 64 deep.
    private var started: UInt64 = 0
    private var depth = 0
    #if DEBUG
    private var lastKeys: [String?] = []
    #endif

    public init(reservingCapacity: Int = 0) {
        bytes.reserveCapacity(reservingCapacity)
    }

    /// `{ ... }`: `body` writes the members, each a `key` call and a value, in key order.
    @inlinable
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        body(&self)
        close(UInt8(ascii: "}"))
    }

    /// `[ ... ]` of `items`, each written by `body` (inlinable: specialised for the caller's
    /// element type, not iterated through witness tables).
    @inlinable
    public mutating func array<S: Sequence>(_ items: S, _ body: (inout JSONWriter, S.Element) -> Void) {
        open(UInt8(ascii: "["))
        for item in items {
            separate()
            body(&self, item)
        }
        close(UInt8(ascii: "]"))
    }

    /// `{ ... }` of `members` sorted by key (UTF-8 byte order), each value written by `body`.
    public mutating func object<V>(sorting members: [(String, V)], _ body: (inout JSONWriter, V) -> Void) {
        object { w in
            for (k, v) in members.sorted(by: { JSONValue.keyPrecedes($0.0, $1.0) }) {
                w.key(string: k)
                body(&w, v)
            }
        }
    }

    /// A member's key made at run time; its value follows (a value call, `object` or `array`).
    public mutating func key(string key: String) {
        checkOrder(key)
        separate()
        JSONValue.writeString(key, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// A member's key, a literal (with no character needing an escape): copied as it is,
    /// with no scan.
    public mutating func key(_ key: StaticString) {
        checkOrder(key.description)
        assert(!key.description.utf8.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }, "JSONWriter: key \(key) needs escaping")
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    @inline(__always)
    private mutating func checkOrder(_ key: @autoclosure () -> String) {
        #if DEBUG
        let key = key()
        if let last = lastKeys[lastKeys.count - 1] {
            assert(JSONValue.keyPrecedes(last, key), "JSONWriter: key \(key) after \(last)")
        }
        lastKeys[lastKeys.count - 1] = key
        #endif
    }

    public mutating func string(_ s: String) { JSONValue.writeString(s, into: &bytes) }
    public mutating func string(_ s: String?) { if let s { string(s) } else { value(.null) } }
    public mutating func integer(_ i: Int) { JSONValue.writeInteger(Int64(i), into: &bytes) }
    public mutating func bool(_ b: Bool) { value(.bool(b)) }
    /// Any value, written as `canonicalBytes` would (objects sorted).
    public mutating func value(_ v: JSONValue) { JSONValue.writeCanonical(v, into: &bytes) }

    /// Array elements and members: the comma before every one but the first.
    @usableFromInline
    mutating func separate() {
        precondition(depth > 0, "JSONWriter: a member or element outside an object or array")
        let bit: UInt64 = 1 << UInt64(depth - 1)
        if started & bit != 0 { bytes.append(UInt8(ascii: ",")) } else { started |= bit }
    }

    @usableFromInline
    mutating func open(_ b: UInt8) {
        precondition(depth < 64, "JSONWriter: nested deeper than 64")
        bytes.append(b)
        depth += 1
        started &= ~(1 << UInt64(depth - 1))
        #if DEBUG
        lastKeys.append(nil)
        #endif
    }

    @usableFromInline
    mutating func close(_ b: UInt8) {
        depth -= 1
        #if DEBUG
        lastKeys.removeLast()
        #endif
        bytes.append(b)
    }
}
