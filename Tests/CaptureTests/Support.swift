import Capture
import Foundation
import Testing

/// Paths and small helpers shared by the capture tests.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let captures = root.appendingPathComponent("Captures")
    static func capture(_ name: String) -> String { captures.appendingPathComponent(name).path }

    /// One folder per test process, so runs that loop over thousands of files leave one folder, not thousands.
    static let tempRoot: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("capture-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }()

    static func tempPath(_ name: String) -> String {
        tempRoot.appendingPathComponent("\(UUID().uuidString)-\(name)").path
    }

    /// Every event of a capture; the read error, if any, separately.
    static func read(_ path: String) -> (messages: [CapturedMessage], findings: [CaptureFinding], error: CaptureError?, stats: CaptureStatistics?) {
        var ms: [CapturedMessage] = [], fs: [CaptureFinding] = []
        let reader: SIPCaptureReader
        do { reader = try SIPCaptureReader(path: path) } catch { return ([], [], error, nil) }
        do {
            while let e = try reader.next() {
                switch e {
                case .message(let m): ms.append(m)
                case .finding(let f): fs.append(f)
                }
            }
            return (ms, fs, nil, reader.statistics)
        } catch {
            return (ms, fs, error, reader.statistics)
        }
    }

    static func sip(_ method: String, callID: String = "c1@test", cseq: Int = 1, body: String = "", extra: [String] = []) -> [UInt8] {
        let lines = ["\(method) sip:bob@example.com SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK\(callID.hashValue & 0xFFFF)\(cseq)",
                     "Max-Forwards: 70", "From: <sip:alice@example.com>;tag=a1", "To: <sip:bob@example.com>",
                     "Call-ID: \(callID)", "CSeq: \(cseq) \(method)"] + extra + ["Content-Length: \(body.utf8.count)"]
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }

    static func response(_ code: Int, _ reason: String, method: String = "INVITE", callID: String = "c1@test", toTag: String? = "b2") -> [UInt8] {
        let lines = ["SIP/2.0 \(code) \(reason)", "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx",
                     "From: <sip:alice@example.com>;tag=a1", "To: <sip:bob@example.com>" + (toTag.map { ";tag=\($0)" } ?? ""),
                     "Call-ID: \(callID)", "CSeq: 1 \(method)", "Content-Length: 0"]
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }
}

/// A classic pcap file written byte by byte (independent of libpcap and PcapWriter), so
/// tests can use any link type and hand-made, even broken, packets.
struct RawPcap {
    var bytes: [UInt8]
    init(linkType: UInt32, snap: UInt32 = 65535) {
        bytes = []
        for v in [UInt32(0xA1B2_C3D4)] { le32(v) }
        le16(2); le16(4); le32(0); le32(0); le32(snap); le32(linkType)
    }
    mutating func le16(_ v: UInt16) { bytes += [UInt8(v & 0xFF), UInt8(v >> 8)] }
    mutating func le32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
    mutating func add(_ frame: [UInt8], sec: UInt32 = 1_700_000_000, usec: UInt32 = 0, caplen: Int? = nil) {
        le32(sec); le32(usec); le32(UInt32(caplen ?? frame.count)); le32(UInt32(frame.count))
        bytes += frame.prefix(caplen ?? frame.count)
    }
    func write(_ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
}

/// Runs a program; nil when it is not installed.
func runTool(_ args: [String]) -> (status: Int32, out: String, err: String)? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    let o = Pipe(), e = Pipe()
    p.standardOutput = o
    p.standardError = e
    do { try p.run() } catch { return nil }
    let out = o.fileHandleForReading.readDataToEndOfFile()
    let err = e.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    if p.terminationStatus == 127 { return nil }
    return (p.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}
