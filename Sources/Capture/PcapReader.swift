import CPcap
import Foundation

/// Link-layer header types (DLT_/LINKTYPE_ values) the decoder understands.
public enum LinkType: Int32, Sendable, CaseIterable {
    case null = 0            // BSD loopback: 4-byte address family in host order
    case ethernet = 1
    case rawDLT12 = 12       // DLT_RAW on OpenBSD-style libpcap
    case rawDLT14 = 14
    case raw = 101           // LINKTYPE_RAW: IPv4 or IPv6, no link header
    case loop = 108          // OpenBSD loopback: family in network order
    case linuxSLL = 113
    case ipv4 = 228
    case ipv6 = 229
    case linuxSLL2 = 276
}

/// One record as libpcap hands it over. `data` is only valid until the next `next()` call.
public struct PcapRecord {
    /// 1-based record number (what Wireshark calls the frame number).
    public var number: Int
    /// Nanoseconds since 1970.
    public var time: Int64
    public var data: UnsafeRawBufferPointer
    /// Length on the wire (may exceed `data.count` when the capture used a snap length).
    public var originalLength: Int
}

/// Reads pcap and pcapng through libpcap's `pcap_open_offline`, one record at a time, in
/// constant memory. Errors name the file, the byte offset of the failing record, and the cause.
public final class PcapReader {
    public let path: String
    public let linkType: LinkType
    public var recordCount: Int { cursor.pointee.records }

    /// What `next` reads and writes per record, behind a pointer: stored `var`s of a class
    /// would each cost a dynamic exclusivity check on every access.
    private struct Cursor {
        var handle: OpaquePointer?
        var records = 0
        /// In a classic pcap file (not pcapng, not the 24-byte-record variant) the next record
        /// starts 16 header bytes plus the captured length after the last one, so its offset
        /// needs no `ftell` (about a hundred instructions a packet); -1 when the stream must be asked.
        var nextOffset = -1
        var snapshot = 0
        /// The stdio buffer of libpcap's stream.
        var streamBuffer: UnsafeMutablePointer<CChar>?
    }
    private let cursor: UnsafeMutablePointer<Cursor>

    public init(path: String) throws(CaptureError) {
        self.path = path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw CaptureError(file: path, offset: 0, cause: .missingFile, detail: "")
        }
        if isDir.boolValue { throw CaptureError(file: path, offset: 0, cause: .readFailed, detail: "is a directory") }
        var err = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        // Nanosecond precision: libpcap scales microsecond files up, so times never lose digits.
        guard let file = fopen(path, "rb") else {
            let code = errno
            throw CaptureError(file: path, offset: 0, cause: code == ENOENT ? .missingFile : .readFailed,
                               detail: String(cString: strerror(code)))
        }
        // libpcap reads through this stream; with stdio's default 4 KiB buffer that is a read
        // system call every ten packets or so. 256 KiB: larger buffers cost more page faults
        // and the first fill up front than their fewer reads save. Set before the first read,
        // as setvbuf requires; glibc ignores the size unless it is given the buffer too.
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Self.streamBufferSize)
        setvbuf(file, buffer, _IOFBF, Self.streamBufferSize)
        guard let p = pcap_fopen_offline_with_tstamp_precision(file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &err) else {
            fclose(file)  // libpcap closes the stream only once it has taken it
            buffer.deallocate()
            let msg = String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let cause: CaptureError.Cause = msg.contains("No such file") ? .missingFile
                : msg.contains("ermission denied") ? .readFailed
                : msg.contains("truncated") ? .truncatedRecord : .notACapture
            throw CaptureError(file: path, offset: 0, cause: cause, detail: msg)
        }
        let dlt = pcap_datalink(p)
        guard let lt = LinkType(rawValue: dlt) else {
            pcap_close(p)
            buffer.deallocate()
            throw CaptureError(file: path, offset: 0, cause: .unsupportedLinkType(dlt),
                               detail: pcap_datalink_val_to_name(dlt).map { String(cString: $0) } ?? "no DLT name")
        }
        linkType = lt
        var c = Cursor(handle: p, streamBuffer: buffer)
        // `fileOffset` runs ftell before every record; until the stream has been positioned
        // once, glibc answers each ftell with an lseek system call (one per packet). A
        // no-op seek to the current position lets it keep the offset itself from then on.
        if let f = pcap_file(p) {
            fseek(f, 0, SEEK_CUR)
            if Self.classicMagic(path) {
                c.nextOffset = ftell(f)
                c.snapshot = Int(pcap_snapshot(p))
            }
        }
        cursor = .allocate(capacity: 1)
        cursor.initialize(to: c)
    }

    static let streamBufferSize = 256 << 10

    /// Whether the file starts with a classic pcap magic number (either byte order, micro- or
    /// nanosecond timestamps).
    private static func classicMagic(_ path: String) -> Bool {
        guard let f = fopen(path, "rb") else { return false }
        defer { fclose(f) }
        var m: UInt32 = 0
        guard fread(&m, 4, 1, f) == 1 else { return false }
        return [0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1].contains(m)
    }

    deinit {
        close()
        cursor.deinitialize(count: 1)
        cursor.deallocate()
    }

    public func close() {
        if let h = cursor.pointee.handle { pcap_close(h) }
        cursor.pointee.handle = nil
        cursor.pointee.streamBuffer?.deallocate()  // only once the stream is closed
        cursor.pointee.streamBuffer = nil
    }

    /// Byte offset of the next record (libpcap reads through a stdio FILE).
    public var fileOffset: Int {
        guard let h = cursor.pointee.handle, let f = pcap_file(h) else { return 0 }
        return ftell(f)
    }

    /// The next record, nil at the end. A truncated last record throws `.truncatedRecord`
    /// with the record's offset; records before it have already been returned.
    public func next() throws(CaptureError) -> PcapRecord? {
        let c = cursor
        guard let h = c.pointee.handle else { return nil }
        let offset = c.pointee.nextOffset >= 0 ? c.pointee.nextOffset : fileOffset
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let rc = pcap_next_ex(h, &header, &data)
        switch rc {
        case 1:
            guard let hdr = header?.pointee, let data else { return nil }
            c.pointee.records += 1
            if c.pointee.nextOffset >= 0 {
                // libpcap reports a record longer than the snapshot length as cut to it, having
                // read it all: then only the stream knows where the next record starts.
                c.pointee.nextOffset = Int(hdr.caplen) < c.pointee.snapshot ? offset + 16 + Int(hdr.caplen) : fileOffset
            }
            let time = Int64(hdr.ts.tv_sec) &* 1_000_000_000 &+ Int64(hdr.ts.tv_usec)
            return PcapRecord(number: c.pointee.records, time: time,
                              data: UnsafeRawBufferPointer(start: data, count: Int(hdr.caplen)),
                              originalLength: Int(hdr.len))
        case -2:
            return nil
        default:
            let msg = String(cString: pcap_geterr(h))
            close()
            let cause: CaptureError.Cause = msg.contains("truncated") ? .truncatedRecord : .readFailed
            throw CaptureError(file: path, offset: offset, cause: cause, detail: msg)
        }
    }
}
