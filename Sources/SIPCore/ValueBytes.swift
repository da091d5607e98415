/// Values read as the UTF-8 bytes their String accessors decode, for a caller that only looks
/// them up (the actor a Route or Request-URI names): the usual value makes no String.
/// (Not generic: a generic body would not be specialised across the module boundary.)
extension SIPMessage {
    /// Calls `body` once with the bytes `firstListValue(header)` is decoded from (nil when that
    /// is nil). A folded value is passed as the UTF-8 of that String.
    public func withFirstListValue(_ header: KnownHeader, _ body: (UnsafeBufferPointer<UInt8>?) -> Void) {
        guard let i = fields.firstIndex(where: { $0.header == header }) else { return body(nil) }
        let r = fields[i].value
        let plain: Bool = storage.withUnsafeBufferPointer { p in
            guard let e = firstListElement(p, r) else { return false }
            body(UnsafeBufferPointer(rebasing: p[e]))
            return true
        }
        if plain { return }
        guard let value = firstListValue(header) else { return body(nil) }
        value.withBytes { body($0) }
    }

    /// Calls `body` once with the bytes `requestURIText` is decoded from (nil for a response).
    public func withRequestURI(_ body: (UnsafeBufferPointer<UInt8>?) -> Void) {
        guard isRequest else { return body(nil) }
        storage.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[startLine.uri])) }
    }
}
