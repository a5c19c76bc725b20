namespace Gateway.Server.Data;

internal sealed class StorageOptions
{
    public const string Section = "Gateway:Storage";

    /// <summary>sqlite (embedded default), postgres or sqlserver.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>For SQLite, a relative Data Source is resolved against the working directory.</summary>
    public string ConnectionString { get; set; } = "Data Source=data/gateway.db";

    /// <summary>Apply pending migrations when the server starts.</summary>
    public bool MigrateOnStart { get; set; } = true;
}
