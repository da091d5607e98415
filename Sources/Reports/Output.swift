import Foundation

/// Standard output or error, written with write(2). Failures are ignored, as `print` ignores
/// them: `FileHandle.write` traps on a closed descriptor or a broken pipe, and a report piped
/// into `head` must not crash the harness.
public enum StandardStream: Sendable {
    case output, error

    public func write(_ text: String) {
        var text = text
        _ = text.withUTF8 { writeAll(self == .output ? STDOUT_FILENO : STDERR_FILENO, UnsafeRawBufferPointer($0)) }
    }
}

public struct WriteFailure: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "cannot write \(path): \(reason)" }
}

/// Writes a report file (created or truncated). Plain `write(2)`s: Foundation's `Data.write`
/// also calls `fsync`, which waits for the disk and is not what a CI report needs.
public func writeFile(_ bytes: some ContiguousBytes, to path: String) throws(WriteFailure) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw WriteFailure(path: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    if let failure = bytes.withUnsafeBytes({ writeAll(fd, $0) }) {
        throw WriteFailure(path: path, reason: String(cString: strerror(failure)))
    }
}

/// Writes all of `b` to `fd`, again after EINTR; the errno that stopped it, or nil.
private func writeAll(_ fd: Int32, _ b: UnsafeRawBufferPointer) -> Int32? {
    var done = 0
    while done < b.count {
        let n = write(fd, b.baseAddress! + done, b.count - done)
        if n < 0 && errno == EINTR { continue }
        if n < 0 { return errno }
        if n == 0 { return EIO }
        done += n
    }
    return nil
}
