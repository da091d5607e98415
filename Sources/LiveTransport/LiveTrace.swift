import Network

/// One line of a live run's record, like the simulated `TraceEvent` plus the real addresses.
public struct LiveTraceEvent: Sendable {
    public enum Kind: String, Sendable, Codable {
        case sent, delivered, dropped
        /// Framing or connection error (garbage, oversized, truncated stream, TLS failure).
        case error
        /// A connection opened or closed.
        case connection
    }

    public var seq: Int
    /// Milliseconds since the driver started (real clock).
    public var timeMs: Int64
    public var kind: Kind
    public var from: String
    public var to: String
    public var transport: TransportKind?
    public var bytes: [UInt8]
    public var note: String

    /// "INVITE sip:..." or "SIP/2.0 200 OK": the first line of the bytes.
    public var summary: String {
        let end = bytes.firstIndex(where: { $0 == 13 || $0 == 10 }) ?? bytes.endIndex
        return String(decoding: bytes[..<min(end, 200)], as: UTF8.self)
    }

    public var line: String {
        "\(seq) \(timeMs)ms \(kind.rawValue) \(from)->\(to)\(transport.map { " [\($0.rawValue)]" } ?? "") \(summary)"
            + (note.isEmpty ? "" : " (\(note))")
    }
}

/// Bounded store: after `limit` events only counts go on, so a flood cannot grow memory.
final class LiveTraceRecorder {
    private(set) var events: [LiveTraceEvent] = []
    private(set) var count = 0
    var limit: Int
    var keepBytes = true
    var onEvent: ((LiveTraceEvent) -> Void)?

    init(limit: Int) { self.limit = limit }

    func record(_ time: Int64, _ kind: LiveTraceEvent.Kind, from: String, to: String, transport: TransportKind?,
                bytes: [UInt8] = [], note: String = "") {
        count += 1
        let e = LiveTraceEvent(seq: count - 1, timeMs: time, kind: kind, from: from, to: to, transport: transport,
                               bytes: keepBytes ? bytes : [], note: note)
        onEvent?(e)
        if events.count < limit { events.append(e) }
    }
}
