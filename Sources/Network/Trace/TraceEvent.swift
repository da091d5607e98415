import SIPCore

/// One line of the run's record: what assertions, reports and pcap export read.
public struct TraceEvent: Sendable {
    public enum Kind: String, Sendable, Codable {
        /// Put on a link by an actor (or injected by an attacker).
        case sent
        /// Handed to the receiving actor.
        case delivered
        /// Lost on the link, dropped by an attacker, or refused (no link, unparsable).
        case dropped
        /// An attacker changed, delayed, duplicated or replayed a message.
        case attacker
        /// A named rule of an actor changed or decided something.
        case rule
    }

    public var seq: Int
    /// Virtual milliseconds since the start of the run.
    public var timeMs: Int64
    public var kind: Kind
    public var from: String
    public var to: String
    /// `a<->b`; empty for rule events.
    public var link: String
    public var transport: TransportKind?
    /// The message on the wire (empty for rule events).
    public var bytes: [UInt8]
    /// Which rule or attack changed what; why a message was dropped.
    public var note: String

    /// The bytes parsed (nil for rule events or unparsable bytes).
    public var message: SIPMessage? { bytes.isEmpty ? nil : try? SIPMessage(parsing: bytes) }

    /// "INVITE sip:bob@ims.example" or "200 OK", from the first line of the bytes.
    public var summary: String {
        guard let eol = bytes.firstIndex(of: 13) ?? bytes.firstIndex(of: 10) else { return String(decoding: bytes, as: UTF8.self) }
        let line = String(decoding: bytes[..<eol], as: UTF8.self)
        if line.hasPrefix("SIP/2.0 ") { return String(line.dropFirst(8)) }
        return line.hasSuffix(" SIP/2.0") ? String(line.dropLast(8)) : line
    }

    /// One deterministic text line (no bytes): for diffs and debugging.
    public var line: String {
        "\(seq) \(timeMs)ms \(kind.rawValue) \(from)->\(to) [\(link)\(transport.map { " " + $0.rawValue } ?? "")] \(summary)"
            + (note.isEmpty ? "" : " (\(note))")
    }
}

/// The trace store. Recording bytes can be switched off (benchmarks); events still count.
final class TraceRecorder {
    var events: [TraceEvent] = []
    var enabled = true
    var count = 0

    /// `record` at the scheduler's time, read only when events are kept (a read of the clock
    /// costs an access check on every send and delivery).
    @inline(__always)
    func record(at scheduler: VirtualScheduler, _ kind: TraceEvent.Kind, from: String, to: String, link: String = "",
                transport: TransportKind? = nil, bytes: @autoclosure () -> [UInt8] = [], note: @autoclosure () -> String = "") {
        guard enabled else { count += 1; return }
        record(scheduler.nowMs, kind, from: from, to: to, link: link, transport: transport, bytes: bytes(), note: note())
    }

    func record(_ time: Int64, _ kind: TraceEvent.Kind, from: String, to: String, link: String = "",
                transport: TransportKind? = nil, bytes: [UInt8] = [], note: String = "") {
        count += 1
        guard enabled else { return }
        events.append(TraceEvent(seq: events.count, timeMs: time, kind: kind, from: from, to: to, link: link,
                                 transport: transport, bytes: bytes, note: note))
    }
}
