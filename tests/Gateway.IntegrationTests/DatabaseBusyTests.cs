using Gateway.Contracts.V1;
using Grpc.Core;
using Microsoft.Data.Sqlite;

namespace Gateway.IntegrationTests;

/// <summary>A gateway that waits at most one second for SQLite's write lock (instead of 30 s), so a locked database shows quickly.</summary>
public sealed class ShortBusyGateway : GatewayServer
{
    protected override IEnumerable<string> AdditionalArgs() =>
        Provider == "sqlite" ? [$"--Gateway:Storage:ConnectionString={ConnectionString};Default Timeout=1"] : [];
}

/// <summary>
/// Another process holds the database's write lock: calls fail UNAVAILABLE (the audit record cannot be
/// written, so nothing is served — fail closed), nothing crashes, and everything works again, with an
/// intact audit chain, once the lock is released.
/// </summary>
public sealed class DatabaseBusyTests(ShortBusyGateway gateway) : IClassFixture<ShortBusyGateway>
{
    [SqliteFact("SQLite's single write lock held by an external writer; PostgreSQL's row locks have no equivalent global lock")]
    public async Task An_external_writer_holding_the_lock_makes_calls_unavailable_until_it_lets_go()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var shipments = new ShipmentService.ShipmentServiceClient(channel);
        var seizures = new SeizureService.SeizureServiceClient(channel);
        Assert.Equal("FR", (await shipments.GetShipmentAsync(Calls.ByTracking("LX100000001CN"))).DestinationCountry);

        var file = new SqliteConnectionStringBuilder(gateway.ConnectionString).DataSource;
        await using (var external = new SqliteConnection($"Data Source={file};Pooling=false"))
        {
            await external.OpenAsync();
            await using var transaction = external.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock
            await using (var command = external.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = "UPDATE agencies SET name = name WHERE 1 = 0";
                await command.ExecuteNonQueryAsync();
            }

            var read = await Assert.ThrowsAsync<RpcException>(() => shipments.GetShipmentAsync(Calls.ByTracking("LX100000001CN")).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, read.StatusCode);
            var write = await Assert.ThrowsAsync<RpcException>(() => seizures.ReportSeizureAsync(SeizureCalls.Report(trackingNumber: "LX100000001CN")).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, write.StatusCode);
            await transaction.RollbackAsync();
        }

        Assert.Equal("FR", (await shipments.GetShipmentAsync(Calls.ByTracking("LX100000001CN"))).DestinationCountry);
        var receipt = await seizures.ReportSeizureAsync(SeizureCalls.Report(trackingNumber: "LX100000001CN"));
        Assert.NotEmpty(receipt.SeizureId);

        using var oversight = gateway.Connect("oversight");
        using var auditChannel = oversight.CreateChannel();
        Assert.True((await new AuditService.AuditServiceClient(auditChannel).VerifyAuditAsync(new VerifyAuditRequest { Context = Calls.Context() })).Ok);
    }
}
