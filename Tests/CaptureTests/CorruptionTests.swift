import Capture
import Foundation
import Testing
import TestSupport

/// Broken captures end in a clear error or a partial result, never a crash or a hang.
@Suite struct CorruptionTests {
    static let samples = ["sipp-udp.pcapng", "sipp-tcp.pcapng", "ims-pai-leak.pcap", "sip-websocket.pcapng"]

    /// Reads everything; checks the error names the file and lies inside it.
    func survive(_ bytes: [UInt8], _ label: String) throws -> Int {
        let path = Fixtures.tempPath("corrupt.pcap")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = Fixtures.read(path)
        if let e = r.error {
            #expect(e.file == path, "\(label)")
            #expect(e.offset >= 0 && e.offset <= bytes.count, "\(label): offset \(e.offset) outside \(bytes.count) bytes")
            #expect(!e.description.isEmpty)
        }
        return r.messages.count
    }

    @Test(arguments: samples)
    func truncatedAtEveryOffset(_ name: String) throws {
        let full = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.capture(name))))
        let complete = try survive(full, "\(name) whole")
        var previous = 0
        for cut in 0..<full.count {
            let n = try survive(Array(full.prefix(cut)), "\(name) cut at \(cut)")
            // A longer prefix never yields fewer messages (UDP); all of them only when whole.
            if name.hasPrefix("sipp-udp") || name.hasPrefix("ims-") { #expect(n >= previous, "\(name) cut at \(cut)") }
            #expect(n <= complete)
            previous = n
        }
    }

    @Test(arguments: samples)
    func randomByteFlips(_ name: String) throws {
        let full = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.capture(name))))
        var rng = SplitMix64(seed: 0xC0FFEE ^ UInt64(name.utf8.count))
        for round in 0..<300 {
            var b = full
            let flips = rng.int(1...8)
            for _ in 0..<flips { b[rng.below(b.count)] ^= UInt8(truncatingIfNeeded: rng.int(1...255)) }
            _ = try survive(b, "\(name) round \(round) seed state \(rng.state)")
        }
    }

    /// Headers with absurd lengths inside otherwise valid records.
    @Test func hostilePacketHeaders() throws {
        var p = RawPcap(linkType: 1)
        var rng = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            var f = [UInt8](repeating: 0, count: rng.int(0...120))
            for i in f.indices { f[i] = UInt8(truncatingIfNeeded: rng.next()) }
            if f.count > 14, rng.chance(2) { f[12] = 0x08; f[13] = 0x00; f[14] = 0x45 }
            if f.count > 23, rng.chance(2) { f[23] = rng.chance(2) ? 6 : 17 }
            p.add(f)
        }
        let path = Fixtures.tempPath("hostile.pcap")
        try p.write(path)
        let r = Fixtures.read(path)
        #expect(r.error == nil)
        #expect(r.stats?.packets == 2000)
    }
}
