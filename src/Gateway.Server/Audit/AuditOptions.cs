namespace Gateway.Server.Audit;

internal sealed class AuditOptions
{
    public const string Section = "Gateway:Audit";

    /// <summary>
    /// Record every call (default). False exists only to measure the audit's cost (the benchmark
    /// baseline); a production gateway must never run without it.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Most records committed in one transaction by the group-commit writer.</summary>
    public int MaxBatch { get; set; } = 512;

    /// <summary>Sign a checkpoint of the chain head after this many new records…</summary>
    public int CheckpointEveryRecords { get; set; } = 1000;

    /// <summary>…or after this long with new records, whichever comes first (bounds the tail an attacker could cut unnoticed).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>RSA certificate (PEM) and key that sign checkpoints; empty = the token-signing certificate (Gateway:Auth).</summary>
    public string? SigningCertificate { get; set; }

    public string? SigningKey { get; set; }

    /// <summary>Longest request summary kept (characters); longer summaries are cut and marked.</summary>
    public int MaxSummaryLength { get; set; } = 2000;
}
