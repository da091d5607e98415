import Foundation

/// A run of the reading stage's output in capture order: UDP datagrams (copied, with their
/// packet number, time and addresses) and events (findings, TCP messages). The reading stage
/// fills it, the digesting stage drains it, on one thread or two (`ScanChannel`).
struct ScanBatch {
    struct Entry {
        /// UDP: the payload is `bytes[offset..<offset + count]`. Event: count -1, `events[offset]`.
        var offset: Int32
        var count: Int32
        var packet: Int
        var time: Int64
        var src: Endpoint
        var dst: Endpoint
        /// Set when the reading stage had time to spare (see `ScanChannel.exchange`).
        var digest: MessageDigest?
    }
    /// Allocated whole; `used` bytes are filled (copying in place avoids `append`'s overhead).
    private(set) var bytes: [UInt8]
    private(set) var used = 0
    var entries: [Entry] = []
    var events: [CaptureEvent] = []
    /// Soft limits: the batch counts as full past either; one record may overshoot them.
    let byteLimit: Int
    let entryLimit: Int

    init(bytes: Int) {
        byteLimit = bytes
        entryLimit = max(bytes / 128, 16)
        // Room for the datagram that overshoots the limit (UDP's largest payload), so the
        // buffer is not grown and copied then. Not zeroed: every byte read was copied in first.
        let capacity = bytes + Self.overshoot
        self.bytes = [UInt8](unsafeUninitializedCapacity: capacity) { _, count in count = capacity }
        entries.reserveCapacity(entryLimit)
    }

    static let overshoot = 65_536

    var isFull: Bool { used >= byteLimit || entries.count >= entryLimit }

    mutating func append(_ payload: UnsafeRawBufferPointer, src: Endpoint, dst: Endpoint, packet: Int, time: Int64, digest: MessageDigest?) {
        let offset = used
        if offset + payload.count > bytes.count {  // a reassembled datagram beyond UDP's size
            bytes += [UInt8](repeating: 0, count: offset + payload.count - bytes.count + Self.overshoot)
        }
        bytes.withUnsafeMutableBytes { b in
            if let src = payload.baseAddress { (b.baseAddress! + offset).copyMemory(from: src, byteCount: payload.count) }
        }
        used = offset + payload.count
        entries.append(Entry(offset: Int32(truncatingIfNeeded: offset), count: Int32(truncatingIfNeeded: payload.count),
                             packet: packet, time: time, src: src, dst: dst, digest: digest))
    }

    mutating func append(_ event: CaptureEvent) {
        entries.append(Entry(offset: Int32(truncatingIfNeeded: events.count), count: -1, packet: 0, time: 0,
                             src: Endpoint(.v4(0), 0), dst: Endpoint(.v4(0), 0), digest: nil))
        events.append(event)
    }

    mutating func reset() {
        used = 0
        entries.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
    }
}

/// Hands batches from the reading thread to the digesting thread and back. At most a fixed
/// number of batches exists, so memory stays bounded; each side sleeps on the condition (no
/// spinning) when the other has not finished with one. The reader creates them as it needs
/// them, so a capture that fits in one never pays for the rest.
final class ScanChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var free: [ScanBatch] = []
    /// Batches that may still be created, and their size.
    private var unmade: Int
    private let batchBytes: Int
    private var full: [ScanBatch] = []
    private var closed = false
    private var error: CaptureError?
    /// Most batches ever queued at once (tests check the reader cannot run ahead).
    private var peakQueued = 0

    init(batches: Int, bytes: Int) {
        unmade = max(batches, 2) - 1
        batchBytes = bytes
    }

    /// Reading side: the first empty batch.
    func start() -> ScanBatch { ScanBatch(bytes: batchBytes) }

    /// Reading side: queues a filled batch and returns an empty one, waiting while all are in
    /// use. `backlog`: the digesting side has another batch waiting besides this one, so the
    /// reader may as well digest the next batch itself (the two then share the work).
    func exchange(_ filled: consuming ScanBatch) -> (batch: ScanBatch, backlog: Bool) {
        condition.lock()
        full.append(filled)
        peakQueued = max(peakQueued, full.count)
        condition.broadcast()
        while free.isEmpty && unmade == 0 { condition.wait() }
        let backlog = full.count > 1
        guard let reused = free.popLast() else {
            unmade -= 1
            condition.unlock()
            return (ScanBatch(bytes: batchBytes), backlog)  // allocated without holding the lock
        }
        condition.unlock()
        return (reused, backlog)
    }

    /// Reading side, at the end of the capture (`error` when it broke off): queues the last batch.
    func close(_ last: consuming ScanBatch, error: CaptureError?) {
        condition.lock()
        defer { condition.unlock() }
        full.append(last)
        peakQueued = max(peakQueued, full.count)
        self.error = error
        closed = true
        condition.broadcast()
    }

    /// Digesting side: gives back the batch it has drained (if any) and takes the next filled
    /// one; nil once the reader has closed and every batch is drained.
    func next(returning drained: consuming ScanBatch?) -> ScanBatch? {
        condition.lock()
        defer { condition.unlock() }
        // Moved, not copied: a shared buffer would be reallocated by `reset`.
        if var b = consume drained {
            b.reset()
            free.append(b)
            condition.broadcast()
        }
        while full.isEmpty && !closed { condition.wait() }
        return full.isEmpty ? nil : full.removeFirst()
    }

    /// The read error the reader closed with, and the queue's peak; read after `next` returned nil.
    var result: (error: CaptureError?, peakQueued: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (error, peakQueued)
    }
}
