import Network

/// Where a live actor listens or an external one is reached (`udp:127.0.0.1:5060`).
public typealias LiveEndpoint = ActorEndpoint
