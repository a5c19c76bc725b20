using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Server.Audit;

/// <summary>
/// Signs the chain head every N records or T (whichever first) and once more on shutdown. A hash
/// chain alone cannot show that its last records were deleted; a signed checkpoint vouching for
/// sequence S makes a log that ends before S fail verification. What can still be lost unnoticed is
/// at most the records since the last checkpoint — hence the short default interval.
/// </summary>
internal sealed partial class AuditCheckpointer(
    AuditStore store, AuditWriter writer, IConfiguration configuration, IOptions<AuditOptions> options,
    TimeProvider clock, ILogger<AuditCheckpointer> log) : BackgroundService
{
    private readonly Lazy<X509Certificate2> certificate = new(() =>
    {
        var (cert, key) = AuditKeys.Paths(configuration);
        return PemFiles.LoadCertificateWithKey(cert, key ?? throw new InvalidOperationException("Gateway:Audit:SigningKey is required with SigningCertificate."));
    });

    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>Signs a checkpoint of the current head if it moved since the last one; returns it, or null.</summary>
    public async Task<AuditCheckpointRow?> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var head = await store.ReadHeadAsync(cancellationToken);
            if (head.Sequence == 0 || head.Sequence <= await store.LastCheckpointSequenceAsync(cancellationToken))
            {
                return null;
            }

            var createdAt = AuditCanonical.TruncateToMicroseconds(clock.GetUtcNow());
            using var key = certificate.Value.GetRSAPrivateKey() ?? throw new InvalidOperationException("The audit signing certificate has no RSA key.");
            var signature = key.SignData(AuditCanonical.CheckpointBytes(head.Sequence, head.Hash, createdAt), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var checkpoint = new AuditCheckpointRow
            {
                Sequence = head.Sequence,
                HeadHash = head.Hash,
                CreatedAt = createdAt,
                Signature = Convert.ToBase64String(signature),
                KeyThumbprint = AuditKeys.Thumbprint(certificate.Value),
            };
            await store.AddCheckpointAsync(checkpoint, cancellationToken);
            LogCheckpoint(head.Sequence);
            return checkpoint;
        }
        finally
        {
            gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
            {
                var timer = Task.Delay(options.Value.CheckpointInterval, clock, wait.Token);
                var due = writer.CheckpointDue.WaitAsync(wait.Token);
                await Task.WhenAny(timer, due);
                // Cancel the loser: a cancelled semaphore wait does not consume a later release.
                await wait.CancelAsync();
            }

            if (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            await TryCheckpointAsync();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (options.Value.Enabled)
        {
            // The writer stops first (registered after this service) and has drained: seal the tail.
            await TryCheckpointAsync();
        }
    }

    private async Task TryCheckpointAsync()
    {
        try
        {
            await CheckpointAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            LogCheckpointFailed(e);
        }
    }

    public override void Dispose()
    {
        gate.Dispose();
        if (certificate.IsValueCreated)
        {
            certificate.Value.Dispose();
        }

        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit checkpoint signed at sequence {Sequence}")]
    private partial void LogCheckpoint(long sequence);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit checkpoint failed")]
    private partial void LogCheckpointFailed(Exception e);
}
