/// Bounds that keep a hostile peer from making the parser work or allocate without limit.
public struct ParseLimits: Hashable, Sendable {
    /// Largest message accepted, start line through body (default 64 KiB).
    public var maxMessageSize: Int
    /// Most header fields in one message.
    public var maxHeaderCount: Int
    /// Longest physical line in the start line or header section.
    public var maxLineLength: Int

    public init(maxMessageSize: Int = 64 * 1024, maxHeaderCount: Int = 256, maxLineLength: Int = 8 * 1024) {
        self.maxMessageSize = maxMessageSize
        self.maxHeaderCount = maxHeaderCount
        self.maxLineLength = maxLineLength
    }

    public static let `default` = ParseLimits()
}
