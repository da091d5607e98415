/// Bounds that keep a hostile peer from making the parser work or allocate without limit.
public struct ParseLimits: Hashable, Sendable {
    /// Largest message accepted, start line through body (default 64 KiB; at most 1 GiB,
    /// which keeps every offset in 32 bits).
    public var maxMessageSize: Int {
        get { _maxMessageSize }
        set { _maxMessageSize = min(max(newValue, 0), 1 << 30) }
    }
    private var _maxMessageSize = 64 * 1024
    /// Most header fields in one message.
    public var maxHeaderCount: Int
    /// Longest physical line in the start line or header section.
    public var maxLineLength: Int

    public init(maxMessageSize: Int = 64 * 1024, maxHeaderCount: Int = 256, maxLineLength: Int = 8 * 1024) {
        self.maxHeaderCount = maxHeaderCount
        self.maxLineLength = maxLineLength
        self.maxMessageSize = maxMessageSize
    }

    public static let `default` = ParseLimits()
}
