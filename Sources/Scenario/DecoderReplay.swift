import Capture
import Foundation

/// `replay: {capture: FILE, ...}`: SIP messages read from a pcap/pcapng file and injected
/// into the simulated network from one actor towards another (issue 6 §7).
public struct CaptureReplayStep: Sendable, Hashable {
    /// The path as written, and resolved against the folder of the file that wrote it.
    public var capture: String
    public var path: String
    public var filter: CaptureFilter
    /// 1-based position among the matching messages; nil injects every match, in capture order.
    public var index: Int?
    public var from: String
    public var to: String
    public var rewrite: CaptureRewrite
}

/// Which captured messages a replay picks. Every key given must hold.
public struct CaptureFilter: Sendable, Hashable, CustomStringConvertible {
    public var method: String?
    public var status: Int?
    /// Captured source / destination: an IP address, optionally with `:port` (`[v6]:port`).
    public var src: String?
    public var dst: String?
    public var callID: String?
    /// A header the message must carry (e.g. Identity).
    public var header: String?

    public var description: String {
        let parts: [String?] = [method.map { "method: \($0)" }, status.map { "status: \($0)" }, src.map { "src: \($0)" },
                                dst.map { "dst: \($0)" }, callID.map { "call_id: \($0)" }, header.map { "header: \($0)" }]
        let shown = parts.compactMap { $0 }
        return shown.isEmpty ? "any message" : "{" + shown.joined(separator: ", ") + "}"
    }
}

/// Edits applied before injection, so a captured message can be aimed at this network.
public struct CaptureRewrite: Sendable, Hashable {
    public var requestURI: Template?
    /// Replace the whole Via with one of the sending actor (fresh, seeded branch), so the
    /// responses come back to it.
    public var via = false
    public var headers: [HeaderEdit] = []
}

extension Decoder {
    static let captureReplayKeys = ["capture", "filter", "index", "from", "to", "rewrite"]
    static let captureFilterKeys = ["method", "status", "src", "dst", "call_id", "header"]
    static let captureRewriteKeys = ["request_uri", "via", "headers"]

    /// The capture file is checked here (it must exist); reading and matching happen at run time.
    mutating func decodeCaptureReplay(_ v: YNode) -> CaptureReplayStep? {
        guard let f = fields(v, "replay", allowed: Self.captureReplayKeys, required: ["capture", "from", "to"]) else { return nil }
        var step = CaptureReplayStep(capture: "", path: "", filter: CaptureFilter(), index: 1, from: "", to: "", rewrite: CaptureRewrite())
        var ok = true
        if let c = f["capture"], let rel = string(c, "capture") {
            step.capture = rel
            step.path = Self.resolve(rel, relativeTo: c.location.file)
            var isDir: ObjCBool = false
            if rel.isEmpty || !FileManager.default.fileExists(atPath: step.path, isDirectory: &isDir) {
                error(c.location, "capture file '\(rel)' not found (looked for \(step.path))",
                      expected: "a pcap or pcapng file, its path relative to the scenario file's folder")
                ok = false
            } else if isDir.boolValue {
                error(c.location, "capture '\(rel)' is a directory", expected: "a pcap or pcapng file")
                ok = false
            }
        } else { ok = false }
        if let x = f["filter"], let g = fields(x, "replay filter", allowed: Self.captureFilterKeys, required: []) {
            if let m = g["method"] { step.filter.method = method(m) }
            if let s = g["status"] {
                if case .int(let code) = s.value, (100...699).contains(code) { step.filter.status = code } else {
                    error(s.location, "status is \(s.scalarText.map { "'\($0)'" } ?? s.typeName)", expected: "a SIP status code 100-699")
                }
            }
            for key in ["src", "dst"] {
                guard let a = g[key], let text = string(a, key) else { continue }
                if Self.addressFilter(text) == nil {
                    error(a.location, "\(key) '\(text)' is not an address", expected: "an IP address, optionally with :port (e.g. 10.0.0.8:5060 or [fd00::8]:5060)")
                } else if key == "src" { step.filter.src = text } else { step.filter.dst = text }
            }
            if let c = g["call_id"] { step.filter.callID = string(c, "call_id") }
            if let h = g["header"] { step.filter.header = string(h, "header") }
        }
        if let x = f["index"] {
            if case .int(let i) = x.value, i >= 1 { step.index = i } else if x.scalarText == "all" { step.index = nil } else {
                error(x.location, "index is \(x.scalarText.map { "'\($0)'" } ?? x.typeName)",
                      expected: "a positive integer (1 = first matching message) or all")
            }
        }
        let from = f["from"].flatMap { actorRef($0) }, to = f["to"].flatMap { actorRef($0) }
        if let from, let to, from == to, let t = f["to"] {
            error(t.location, "replay from '\(from)' to itself", expected: "two different actors joined by a link")
        }
        if let x = f["rewrite"], let g = fields(x, "replay rewrite", allowed: Self.captureRewriteKeys, required: []) {
            if let u = g["request_uri"] { step.rewrite.requestURI = template(u, "request_uri") }
            if let b = g["via"] { step.rewrite.via = bool(b, "via") ?? false }
            if let h = g["headers"] { step.rewrite.headers = headerEdits(h) }
        }
        guard ok, let from, let to else { return nil }
        step.from = from
        step.to = to
        return step
    }

    static func resolve(_ rel: String, relativeTo file: String) -> String {
        if rel.hasPrefix("/") { return rel }
        let dir = (file as NSString).deletingLastPathComponent
        return ((dir.isEmpty ? rel : dir + "/" + rel) as NSString).standardizingPath
    }

    /// `10.0.0.8`, `10.0.0.8:5060`, `fd00::8`, `[fd00::8]:5060` -> address and optional port.
    static func addressFilter(_ text: String) -> (IPAddress, UInt16?)? {
        if let e = Capture.Endpoint(parsing: text) { return (e.address, e.port) }
        return IPAddress(text).map { ($0, nil) }
    }
}
