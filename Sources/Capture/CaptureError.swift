/// A capture file that cannot be read (or read further): which file, where, and why.
public struct CaptureError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Cause: Hashable, Sendable {
        case missingFile
        case notACapture
        case truncatedRecord
        case unsupportedLinkType(Int32)
        case readFailed
        case writeFailed
    }

    public var file: String
    /// Byte offset in the file where the problem was found (the start of the failing record).
    public var offset: Int
    public var cause: Cause
    /// libpcap's (or the OS's) own words.
    public var detail: String

    public init(file: String, offset: Int, cause: Cause, detail: String) {
        self.file = file
        self.offset = offset
        self.cause = cause
        self.detail = detail
    }

    public var causeText: String {
        switch cause {
        case .missingFile: "no such file"
        case .notACapture: "not a pcap or pcapng capture"
        case .truncatedRecord: "truncated record"
        case .unsupportedLinkType(let t): "unsupported link type \(t)"
        case .readFailed: "read failed"
        case .writeFailed: "write failed"
        }
    }

    public var description: String {
        "\(file): offset \(offset): \(causeText)" + (detail.isEmpty ? "" : " (\(detail))")
    }
}
