import Foundation

/// Standard output or error, written with write(2). Failures are ignored, as `print` ignores
/// them: `FileHandle.write` traps on a closed descriptor or a broken pipe, and a report piped
/// into `head` must not crash the harness.
public enum StandardStream: Sendable {
    case output, error

    public func write(_ text: String) {
        let fd: Int32 = self == .output ? STDOUT_FILENO : STDERR_FILENO
        var text = text
        text.withUTF8 { b in
            var done = 0
            while done < b.count {
                let n = Foundation.write(fd, b.baseAddress! + done, b.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                done += n
            }
        }
    }
}
