namespace Gateway.Server.Audit;

/// <summary>
/// One row of the append-only <c>audit_log</c>: one call to the gateway, allowed or refused.
/// Field order here is the order of the canonical encoding (<see cref="AuditCanonical"/>).
/// </summary>
internal sealed record AuditRecordRow
{
    public long Sequence { get; init; }

    /// <summary>UTC, truncated to whole microseconds so every database engine stores it exactly.</summary>
    public DateTime Time { get; init; }

    public string AgencyId { get; init; } = "";

    public string ClientId { get; init; } = "";

    public string CertificateThumbprint { get; init; } = "";

    public string OfficerId { get; init; } = "";

    public string Rpc { get; init; } = "";

    public string LegalBasis { get; init; } = "";

    public string CaseReference { get; init; } = "";

    public string StatementOfReasons { get; init; } = "";

    public string RequestSummary { get; init; } = "";

    public int StatusCode { get; init; }

    public long RecordsReturned { get; init; }

    public string RecordsDigest { get; init; } = "";

    public string PreviousHash { get; init; } = "";

    public string Hash { get; init; } = "";
}

/// <summary>A signed statement "the chain had this head at this sequence", so a cut-off tail is detected.</summary>
internal sealed record AuditCheckpointRow
{
    public long Sequence { get; init; }

    public string HeadHash { get; init; } = "";

    public DateTime CreatedAt { get; init; }

    /// <summary>Base64 RSA PKCS#1 v1.5 SHA-256 signature over <see cref="AuditCanonical.CheckpointBytes"/>.</summary>
    public string Signature { get; init; } = "";

    /// <summary>SHA-256 (hex) of the DER certificate whose key signed; says which certificate verifies it after a key rotation.</summary>
    public string KeyThumbprint { get; init; } = "";
}
