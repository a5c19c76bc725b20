namespace Gateway.Server.Retention;

internal sealed class RetentionOptions
{
    public const string Section = "Gateway:Retention";

    /// <summary>Personal data of a shipment declared longer ago than this is removed. Default two years.</summary>
    public TimeSpan PersonalDataAfter { get; set; } = TimeSpan.FromDays(730);

    /// <summary>Shipments per transaction: bounds lock time and transaction size.</summary>
    public int BatchSize { get; set; } = 1000;
}
