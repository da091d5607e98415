/// Options of an originating call: identity headers the UE sends and what it asks to show.
public struct CallOptions: Sendable {
    /// P-Preferred-Identity (a hint the P-CSCF checks against the registered IMPUs).
    public var preferredIdentity: String?
    /// A P-Asserted-Identity the UE itself puts in (must never pass the P-CSCF).
    public var assertedIdentity: String?
    /// `Privacy` header value, e.g. "id".
    public var privacy: String?
    /// From display name: the RCD name the caller would like shown.
    public var displayName: String?
    /// RFC 9796 call reason (Call-Info call-reason).
    public var callReason: String?
    /// Further headers, appended as written.
    public var extraHeaders: [(String, String)]
    /// Offer IMS data channel m-lines (bootstrap DC) in the SDP.
    public var dataChannel: Bool
    /// A richer DC offer (remote BDC, application DCs, fingerprint); overrides `dataChannel`.
    public var dataChannelOffer: DataChannelOffer? = nil

    public init(preferredIdentity: String? = nil, assertedIdentity: String? = nil, privacy: String? = nil,
                displayName: String? = nil, callReason: String? = nil, extraHeaders: [(String, String)] = [],
                dataChannel: Bool = false) {
        self.preferredIdentity = preferredIdentity
        self.assertedIdentity = assertedIdentity
        self.privacy = privacy
        self.displayName = displayName
        self.callReason = callReason
        self.extraHeaders = extraHeaders
        self.dataChannel = dataChannel
    }
}

public enum CallPhase: String, Sendable, Codable {
    case calling, proceeding, ringing, established, terminated, failed
}

/// One side's view of a call.
public struct CallState: Sendable {
    public var id: String
    public var ue: String
    public var isCaller: Bool
    public var phase: CallPhase
    /// Final status of the INVITE (200, 403, 438, 408 on Timer B, ...).
    public var finalStatus: Int?
    public var finalReason: String?
    /// True when the INVITE transaction timed out (Timer B).
    public var timedOut: Bool
    public var sipCallID: String
    /// Status of the BYE, once hung up.
    public var byeStatus: Int?
}

/// What a terminating UE shows for an incoming call.
public struct CallDisplay: Sendable, Hashable {
    /// The caller identity shown: the PAI (tel preferred) from the serving P-CSCF, else From.
    public var identity: String?
    /// `verstat` on the shown identity.
    public var verstat: String?
    /// The verified RCD name (PAI display name set by the verifier), if any.
    public var name: String?
    /// The call reason passed in Call-Info.
    public var callReason: String?
    /// From's display name as received (unverified).
    public var fromDisplayName: String?
    /// Every P-Asserted-Identity value the UE received and honoured.
    public var assertedIdentities: [String]
    /// Whether a P-Asserted-Identity arrived at all (even one the UE ignored).
    public var receivedAssertedIdentity: Bool
    public var callID: String
}

public enum RegistrationState: Hashable, Sendable {
    case unregistered, registering, registered, failed(status: Int)
}
