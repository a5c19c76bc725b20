using Google.Protobuf;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dapper;
using Gateway.Client;
using Gateway.Contracts.V1;
using Gateway.Server.Agencies;
using Gateway.Server.Audit;
using Gateway.Server.Data;
using Grpc.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.IntegrationTests;

/// <summary>
/// The audit log over real mTLS: one record per call with the right fields whichever step decides,
/// fail closed, concurrency, and tampering detected offline on a copy of the database.
/// Tests in this class run one at a time, so "the records after the head" are this test's own.
/// </summary>
public sealed class AuditTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    private const string GetShipment = "/gateway.v1.ShipmentService/GetShipment";

    private AuditStore Store => gateway.Services.GetRequiredService<AuditStore>();

    [Fact]
    public async Task A_successful_call_writes_one_record_with_every_field()
    {
        var (client, _) = await ShipmentsAs("fr-customs");
        var request = Calls.ByTracking("LX100000001CN", DataSubset.ShipmentCore, DataSubset.ShipmentParties);
        request.Context = Calls.Context("FR-AUDIT-OK");
        request.Context.StatementOfReasons = "Suspected counterfeit watches";

        var record = await OneRecordOf(() => client.GetShipmentAsync(request).ResponseAsync);

        Assert.Equal("fr-customs", record.AgencyId);
        Assert.Equal("fr-customs", record.ClientId);
        Assert.Equal(Thumbprint("fr-customs"), record.CertificateThumbprint);
        Assert.Equal("officer-7", record.OfficerId);
        Assert.Equal(GetShipment, record.Rpc);
        Assert.Equal("EU 608/2013 art. 17", record.LegalBasis);
        Assert.Equal("FR-AUDIT-OK", record.CaseReference);
        Assert.Equal("Suspected counterfeit watches", record.StatementOfReasons);
        Assert.Contains("LX100000001CN", record.RequestSummary, StringComparison.Ordinal);
        Assert.Contains("SHIPMENT_PARTIES", record.RequestSummary, StringComparison.Ordinal);
        Assert.DoesNotContain("officer-7", record.RequestSummary, StringComparison.Ordinal);
        Assert.Equal(0, record.StatusCode);
        Assert.Equal(1, record.RecordsReturned);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(AuditCanonical.Encode("gateway.audit.records.v1", "SHP-DEMO-0001"))), record.RecordsDigest);
        Assert.Equal(AuditCanonical.Hash(record), record.Hash);
        Assert.Equal(64, record.Hash.Length);
    }

    [Fact]
    public async Task Outside_the_jurisdiction_is_recorded_as_not_found_with_nothing_returned()
    {
        var (client, _) = await ShipmentsAs("fr-customs");
        var record = await OneRecordOf(() => client.GetShipmentAsync(Calls.ByTracking("LX100000002CN")).ResponseAsync, StatusCode.NotFound);
        Assert.Equal((int)StatusCode.NotFound, record.StatusCode);
        Assert.Equal("fr-customs", record.AgencyId);
        Assert.Equal(0, record.RecordsReturned);
        Assert.Equal("", record.RecordsDigest);
        Assert.Contains("LX100000002CN", record.RequestSummary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_legal_basis_is_recorded_as_invalid_argument()
    {
        var (client, _) = await ShipmentsAs("fr-customs");
        var request = new GetShipmentRequest { Context = new RequestContext { CaseReference = "FR-NO-BASIS" }, TrackingNumber = "LX100000001CN" };
        var record = await OneRecordOf(() => client.GetShipmentAsync(request).ResponseAsync, StatusCode.InvalidArgument);
        Assert.Equal((int)StatusCode.InvalidArgument, record.StatusCode);
        Assert.Equal("", record.LegalBasis);
        Assert.Equal("FR-NO-BASIS", record.CaseReference);
        Assert.Equal(0, record.RecordsReturned);
    }

    [Fact]
    public async Task A_token_without_the_scope_is_recorded_as_permission_denied_before_grpc()
    {
        var (client, _) = await ShipmentsAs("fr-customs", ["sellers:read"]);
        var request = Calls.ByTracking("LX100000001CN");
        request.Context = Calls.Context("FR-NO-SCOPE");
        var record = await OneRecordOf(() => client.GetShipmentAsync(request).ResponseAsync, StatusCode.PermissionDenied);
        Assert.Equal((int)StatusCode.PermissionDenied, record.StatusCode);
        Assert.Equal("fr-customs", record.AgencyId);
        Assert.Equal(GetShipment, record.Rpc);
        Assert.Equal("FR-NO-SCOPE", record.CaseReference);
        Assert.Equal(Thumbprint("fr-customs"), record.CertificateThumbprint);
    }

    [Fact]
    public async Task An_ungranted_subset_is_recorded_as_permission_denied()
    {
        var (client, _) = await ShipmentsAs("de-customs");
        var record = await OneRecordOf(() => client.GetShipmentAsync(Calls.ByTracking("LX100000002CN", DataSubset.Listings)).ResponseAsync, StatusCode.PermissionDenied);
        Assert.Equal((int)StatusCode.PermissionDenied, record.StatusCode);
        Assert.Equal("de-customs", record.AgencyId);
        Assert.Contains("LISTINGS", record.RequestSummary, StringComparison.Ordinal);
        Assert.Equal(0, record.RecordsReturned);
    }

    [Fact]
    public async Task No_token_is_recorded_as_unauthenticated_with_the_certificate()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel(_ => Task.FromResult<string?>(null));
        var request = Calls.ByTracking("LX100000001CN");
        request.Context = Calls.Context("FR-NO-TOKEN");
        var record = await OneRecordOf(() => new ShipmentService.ShipmentServiceClient(channel).GetShipmentAsync(request).ResponseAsync, StatusCode.Unauthenticated);
        Assert.Equal((int)StatusCode.Unauthenticated, record.StatusCode);
        Assert.Equal("", record.AgencyId);
        Assert.Equal("", record.ClientId);
        Assert.Equal(Thumbprint("fr-customs"), record.CertificateThumbprint);
        Assert.Equal("FR-NO-TOKEN", record.CaseReference);
    }

    [Fact]
    public async Task A_suspended_agency_is_recorded_as_permission_denied()
    {
        var subject = "CN=nl-customs, O=Douane (audit test), C=NL";
        Gateway.Server.Pki.DevPki.IssueClient(gateway.Pki, "nl-customs", subject);
        await gateway.Agencies.AddAsync(new Agency("nl-customs", Agency.KindAgency, "NL customs (test)", Agency.StatusActive,
            ["NL"], ["shipments:read"], new HashSet<DataSubset> { DataSubset.ShipmentCore }, subject, null, 60));
        var (client, _) = await ShipmentsAs("nl-customs");
        Assert.True(await gateway.Agencies.SetStatusAsync("nl-customs", Agency.StatusSuspended));

        var record = await OneRecordOf(() => client.GetShipmentAsync(Calls.ByTracking("LX100000001CN")).ResponseAsync, StatusCode.PermissionDenied);
        Assert.Equal((int)StatusCode.PermissionDenied, record.StatusCode);
        Assert.Equal("nl-customs", record.AgencyId);
    }

    [Fact]
    public async Task An_unimplemented_rpc_is_recorded_as_unimplemented()
    {
        using var fr = gateway.Connect("fr-customs");
        var token = (await fr.RequestTokenAsync()).AccessToken;
        using var channel = fr.CreateChannel(_ => Task.FromResult(token));
        // A method that is not in the contract (every contract RPC is implemented).
        var unknown = new Method<GetSellerRequest, Seller>(MethodType.Unary, "gateway.v1.SellerService", "GetSellerHistory",
            Marshallers.Create(m => m.ToByteArray(), GetSellerRequest.Parser.ParseFrom), Marshallers.Create(m => m.ToByteArray(), Seller.Parser.ParseFrom));
        var record = await OneRecordOf(() => channel.CreateCallInvoker().AsyncUnaryCall(unknown, null, new CallOptions(),
            new GetSellerRequest { Context = Calls.Context("FR-SELLER"), SellerId = "SEL-0001" }).ResponseAsync, StatusCode.Unimplemented);
        Assert.Equal((int)StatusCode.Unimplemented, record.StatusCode);
        Assert.Equal("/gateway.v1.SellerService/GetSellerHistory", record.Rpc);
        Assert.Equal("FR-SELLER", record.CaseReference);
    }

    [Fact]
    public async Task Token_requests_issued_and_refused_are_recorded_once_each()
    {
        using var fr = gateway.Connect("fr-customs");
        var issued = await OneTokenRecordOf(() => fr.RequestTokenAsync(["shipments:read"]));
        Assert.Equal(0, issued.StatusCode);
        Assert.Equal("POST /connect/token", issued.Rpc);
        Assert.Equal("fr-customs", issued.AgencyId);
        Assert.Equal(Thumbprint("fr-customs"), issued.CertificateThumbprint);

        var refused = await OneTokenRecordOf(() => fr.RequestTokenAsync(["audit:read"]));
        Assert.Equal((int)StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("error=invalid_scope", refused.RequestSummary, StringComparison.Ordinal);
        Assert.Equal("fr-customs", refused.ClientId);

        using var deAsFr = gateway.Connect("de-customs", clientId: "fr-customs");
        var impostor = await OneTokenRecordOf(() => deAsFr.RequestTokenAsync());
        Assert.Equal((int)StatusCode.Unauthenticated, impostor.StatusCode);
        Assert.Equal("", impostor.AgencyId);
        Assert.Equal("fr-customs", impostor.ClientId);
        Assert.Equal(Thumbprint("de-customs"), impostor.CertificateThumbprint);
    }

    [Fact]
    public async Task Oversight_queries_and_verifies_the_log_and_those_calls_are_audited_too()
    {
        var (client, _) = await ShipmentsAs("fr-customs");
        var request = Calls.ByTracking("LX100000001CN");
        request.Context = Calls.Context("FR-QUERY-ME");
        await client.GetShipmentAsync(request);
        await client.GetShipmentAsync(request);

        using var oversight = gateway.Connect("oversight");
        var token = (await oversight.RequestTokenAsync()).AccessToken;
        using var channel = oversight.CreateChannel(_ => Task.FromResult(token));
        var audit = new AuditService.AuditServiceClient(channel);
        var context = new RequestContext { LegalBasis = "GDPR art. 39", CaseReference = "DPO-2026-1" };

        var before = (await Store.ReadHeadAsync()).Sequence;
        using var stream = audit.QueryAudit(new QueryAuditRequest { Context = context, CaseReference = "FR-QUERY-ME", AgencyId = "fr-customs" });
        var found = new List<AuditRecord>();
        while (await stream.ResponseStream.MoveNext(CancellationToken.None))
        {
            found.Add(stream.ResponseStream.Current);
        }

        Assert.Equal(2, found.Count);
        Assert.All(found, r => Assert.Equal("FR-QUERY-ME", r.CaseReference));
        Assert.True(found[0].Sequence < found[1].Sequence);
        // The two calls were consecutive: the second record chains to the first.
        Assert.Equal(found[0].Hash, found[1].PreviousHash);

        var queryRecord = Assert.Single(await Store.QueryAsync(before, null, null, null, null, 10, default));
        Assert.Equal("/gateway.v1.AuditService/QueryAudit", queryRecord.Rpc);
        Assert.Equal("oversight", queryRecord.AgencyId);
        Assert.Equal("DPO-2026-1", queryRecord.CaseReference);
        Assert.Equal(2, queryRecord.RecordsReturned);
        Assert.Equal(AuditCanonical.RecordsDigest([.. found.Select(r => r.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture))]), queryRecord.RecordsDigest);

        var verified = await audit.VerifyAuditAsync(new VerifyAuditRequest { Context = context });
        Assert.True(verified.Ok, verified.Detail);
        Assert.True(verified.RecordsChecked > 3);
        Assert.Equal(0, verified.FirstBadSequence);
    }

    [Fact]
    public async Task Sixty_four_concurrent_callers_get_distinct_sequences_and_the_chain_verifies()
    {
        var (client, _) = await ShipmentsAs("fr-customs");
        var before = (await Store.ReadHeadAsync()).Sequence;
        await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
        {
            var request = Calls.ByTracking("LX100000001CN");
            request.Context = Calls.Context($"FR-CONC-{i}");
            await client.GetShipmentAsync(request);
        }));

        var records = await Store.QueryAsync(before, null, null, null, null, 1000, default);
        Assert.Equal(64, records.Count);
        Assert.Equal(64, records.Select(r => r.Sequence).Distinct().Count());
        Assert.Equal(64, records.Select(r => r.CaseReference).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 64).Select(i => before + i), records.Select(r => r.Sequence));
        Assert.True((await VerifyLiveAsync()).Ok);
    }

    /// <summary>
    /// The audit store is made unwritable by triggers that abort every write to it — chmod would not
    /// stop root, which CI may be; a RAISE(ABORT) trigger fails the writer's transaction whoever runs it.
    /// </summary>
    [Fact]
    public async Task With_the_audit_store_unwritable_calls_fail_closed_and_return_nothing()
    {
        var (client, _) = await ShipmentsAs("fr-customs");
        using var oversight = gateway.Connect("oversight");
        var oversightToken = (await oversight.RequestTokenAsync()).AccessToken;
        using var oversightChannel = oversight.CreateChannel(_ => Task.FromResult(oversightToken));
        var before = (await Store.ReadHeadAsync()).Sequence;

        // Triggers that abort every audit write: unlike chmod, they also stop a process running as root.
        await ExecuteOnLiveDatabase(gateway.Provider == "sqlserver"
            ? """
              CREATE TRIGGER audit_test_unwritable_log ON audit_log INSTEAD OF INSERT AS BEGIN THROW 50000, 'audit store unwritable (test)', 1; END
              GO
              CREATE TRIGGER audit_test_unwritable_head ON audit_chain_head INSTEAD OF UPDATE AS BEGIN THROW 50000, 'audit store unwritable (test)', 1; END
              """
            : gateway.Provider == "postgres"
            ? """
              CREATE FUNCTION audit_test_unwritable() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit store unwritable (test)'; END $$ LANGUAGE plpgsql;
              CREATE TRIGGER audit_test_unwritable_log BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_test_unwritable();
              CREATE TRIGGER audit_test_unwritable_head BEFORE UPDATE ON audit_chain_head FOR EACH ROW EXECUTE FUNCTION audit_test_unwritable();
              """
            : """
              CREATE TRIGGER audit_test_unwritable_log BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit store unwritable (test)'); END;
              CREATE TRIGGER audit_test_unwritable_head BEFORE UPDATE ON audit_chain_head BEGIN SELECT RAISE(ABORT, 'audit store unwritable (test)'); END;
              """);
        try
        {
            var call = client.GetShipmentAsync(Calls.ByTracking("LX100000001CN"));
            var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, e.StatusCode);

            // A server stream is refused before its first message.
            using var stream = new AuditService.AuditServiceClient(oversightChannel).QueryAudit(new QueryAuditRequest
            {
                Context = new RequestContext { LegalBasis = "GDPR art. 39", CaseReference = "DPO-2026-2" },
            });
            e = await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(StatusCode.Unavailable, e.StatusCode);

            // Refusals before gRPC, and the token endpoint, fail closed too.
            using var fr = gateway.Connect("fr-customs");
            using var noToken = fr.CreateChannel(_ => Task.FromResult<string?>(null));
            e = await Assert.ThrowsAsync<RpcException>(() => new ShipmentService.ShipmentServiceClient(noToken).GetShipmentAsync(Calls.ByTracking("LX100000001CN")).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, e.StatusCode);
            var refused = await Assert.ThrowsAsync<TokenRequestException>(() => fr.RequestTokenAsync());
            Assert.Equal("temporarily_unavailable", refused.Error);
            Assert.True(gateway.Logged("Audit write failed"));
        }
        finally
        {
            await ExecuteOnLiveDatabase(gateway.Provider == "sqlserver"
                ? "DROP TRIGGER audit_test_unwritable_log; DROP TRIGGER audit_test_unwritable_head;"
                : gateway.Provider == "postgres"
                ? "DROP TRIGGER audit_test_unwritable_log ON audit_log; DROP TRIGGER audit_test_unwritable_head ON audit_chain_head;"
                : "DROP TRIGGER audit_test_unwritable_log; DROP TRIGGER audit_test_unwritable_head;");
        }

        Assert.Equal(before, (await Store.ReadHeadAsync()).Sequence);
        // Writable again: served and recorded, and the chain has no gap.
        Assert.Equal("SHP-DEMO-0001", (await client.GetShipmentAsync(Calls.ByTracking("LX100000001CN"))).ShipmentId);
        Assert.Equal(before + 1, (await Store.ReadHeadAsync()).Sequence);
        Assert.True((await VerifyLiveAsync()).Ok);
    }

    [SqliteFact("the SQLite writer binds through SQLite's own API; PostgreSQL's goes through Npgsql")]
    public async Task The_sqlite_writer_stores_each_column_as_the_provider_would()
    {
        // The writer binds its insert by index from the hashed bytes (SqliteAuditInsert), not through
        // Microsoft.Data.Sqlite: the stored types and texts must be the provider's, or time filters and
        // readers that go through the provider would see other values.
        var (client, _) = await ShipmentsAs("fr-customs");
        var request = Calls.ByTracking("LX100000001CN");
        request.Context = Calls.Context("FR-AUDIT-COLUMNS");
        request.Context.StatementOfReasons = "";
        var record = await OneRecordOf(() => client.GetShipmentAsync(request).ResponseAsync);

        await using var connection = await gateway.Services.GetRequiredService<Database>().OpenAsync();
        var stored = await connection.QuerySingleAsync<(string, string, string, string, string, string, string, string)>("""
            SELECT typeof(sequence), typeof(time), time, typeof(statement_of_reasons), statement_of_reasons,
                   typeof(status_code) || ',' || typeof(records_returned), typeof(hash), typeof(previous_hash)
            FROM audit_log WHERE sequence = @Sequence
            """, new { record.Sequence });
        Assert.Equal(("integer", "text", record.Time.ToString(@"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF", CultureInfo.InvariantCulture),
            "text", "", "integer,integer", "text", "text"), stored);

        // A provider-bound time range finds it, to the microsecond.
        var inRange = await Store.QueryAsync(record.Sequence - 1, record.Time, record.Time.AddTicks(10), "fr-customs", "FR-AUDIT-COLUMNS", 10, default);
        Assert.Equal(record.Sequence, Assert.Single(inRange).Sequence);
        Assert.Empty(await Store.QueryAsync(record.Sequence - 1, record.Time.AddTicks(10), null, "fr-customs", "FR-AUDIT-COLUMNS", 10, default));
    }

    [SqliteFact("SQLite's write-ahead log and its checkpoints; PostgreSQL manages its own log")]
    public async Task Audit_records_reach_the_database_file_through_background_checkpoints()
    {
        // The audit writer never checkpoints inside a commit (that stalled every waiting call); the
        // background checkpointer must copy the log back, or the WAL would grow without bound.
        var (client, _) = await ShipmentsAs("fr-customs");
        for (var i = 0; i < 20; i++)
        {
            await client.GetShipmentAsync(Calls.ByTracking("LX100000001CN"));
        }

        var head = (await Store.ReadHeadAsync()).Sequence;
        var file = new SqliteConnectionStringBuilder(gateway.ConnectionString).DataSource;
        long inMainFile = 0;
        for (var attempt = 0; attempt < 50 && inMainFile < head; attempt++)
        {
            await Task.Delay(200);
            // The main file alone, without its -wal: only what a checkpoint copied back is in it.
            var copy = Path.Combine(gateway.Root, $"main-only-{attempt}.db");
            File.Copy(file, copy);
            try
            {
                await using var connection = new SqliteConnection($"Data Source={copy};Pooling=False");
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT COALESCE(MAX(sequence), 0) FROM audit_log";
                inMainFile = (long)(await command.ExecuteScalarAsync())!;
            }
            catch (SqliteException)
            {
                // Copied while a checkpoint was writing pages: try again.
            }
        }

        Assert.True(inMainFile >= head, $"audit head {head}, but the database file alone holds records up to {inMainFile}");
    }

    [SqliteFact("offline verification of a copied database file; on PostgreSQL the chain is verified online by the other audit tests")]
    public async Task Tampering_with_a_copy_of_the_database_is_detected_offline_with_the_first_bad_sequence()
    {
        var (client, _) = await ShipmentsAs("fr-customs");
        for (var i = 0; i < 6; i++)
        {
            await client.GetShipmentAsync(Calls.ByTracking("LX100000001CN"));
        }

        var checkpoint = await gateway.Services.GetRequiredService<AuditCheckpointer>().CheckpointAsync();
        Assert.NotNull(checkpoint);
        for (var i = 0; i < 3; i++)
        {
            await client.GetShipmentAsync(Calls.ByTracking("LX100000001CN"));
        }

        var head = (await Store.ReadHeadAsync()).Sequence;
        var pristine = await CopyDatabaseAsync("pristine");
        Assert.Equal(0, await VerifyCli(pristine));
        var certificate = Path.Combine(gateway.Pki, "token-signing.crt");

        // Edit one field of one record.
        var target = checkpoint.Sequence - 2;
        Assert.Equal(target, await TamperedFirstBad(pristine, $"UPDATE audit_log SET case_reference = 'EDITED' WHERE sequence = {target}"));
        // Delete a record.
        Assert.Equal(target, await TamperedFirstBad(pristine, $"DELETE FROM audit_log WHERE sequence = {target}"));
        // Swap two records (their contents trade places in sequence order).
        Assert.Equal(target - 1, await TamperedFirstBad(pristine, $"""
            UPDATE audit_log SET sequence = -1 WHERE sequence = {target - 1};
            UPDATE audit_log SET sequence = {target - 1} WHERE sequence = {target};
            UPDATE audit_log SET sequence = {target} WHERE sequence = -1;
            """));
        // Truncate the tail behind the checkpoint, and make the head row agree.
        Assert.Equal(target + 1, await TamperedFirstBad(pristine, $"""
            DELETE FROM audit_log WHERE sequence > {target};
            UPDATE audit_chain_head SET sequence = {target}, hash = (SELECT hash FROM audit_log WHERE sequence = {target});
            """));

        // The CLI says so with a non-zero exit code.
        var edited = await CopyOf(pristine, "cli-edited", $"UPDATE audit_log SET officer_id = 'x' WHERE sequence = {head}");
        Assert.Equal(AuditCommands.Tampered, await VerifyCli(edited));
        Assert.Equal(AuditCommands.CannotVerify, await VerifyCli(Path.Combine(gateway.Root, "no-such.db")));

        async Task<long> TamperedFirstBad(string source, string sql)
        {
            var copy = await CopyOf(source, "t" + Guid.NewGuid().ToString("N")[..8], sql);
            var database = new Database(Options.Create(new StorageOptions { ConnectionString = $"Data Source={copy}" }));
            var result = await AuditVerifier.VerifyAsync(database, AuditKeys.PublicKeys(certificate), CancellationToken.None);
            Assert.False(result.Ok);
            return result.FirstBadSequence;
        }
    }

    // ---- helpers ----

    private async Task<(ShipmentService.ShipmentServiceClient Client, string Token)> ShipmentsAs(string agency, IReadOnlyList<string>? scopes = null)
    {
        var connection = gateway.Connect(agency, scopes: scopes);
        // Fetch the token first, so the call under test is the only record written.
        var token = (await connection.RequestTokenAsync()).AccessToken!;
        var channel = connection.CreateChannel(_ => Task.FromResult<string?>(token));
        return (new ShipmentService.ShipmentServiceClient(channel), token);
    }

    private async Task<AuditRecordRow> OneRecordOf(Func<Task> call, StatusCode? expectedFailure = null)
    {
        var before = (await Store.ReadHeadAsync()).Sequence;
        if (expectedFailure is { } status)
        {
            var e = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(status, e.StatusCode);
        }
        else
        {
            await call();
        }

        var records = await Store.QueryAsync(before, null, null, null, null, 10, default);
        return Assert.Single(records);
    }

    private async Task<AuditRecordRow> OneTokenRecordOf(Func<Task> call)
    {
        var before = (await Store.ReadHeadAsync()).Sequence;
        try
        {
            await call();
        }
        catch (TokenRequestException)
        {
            // Refusals are what some of these calls test.
        }

        return Assert.Single(await Store.QueryAsync(before, null, null, null, null, 10, default));
    }

    private string Thumbprint(string client)
    {
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(gateway.Pki, client + ".crt"));
        return Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
    }

    private Task<AuditVerification> VerifyLiveAsync() => AuditVerifier.VerifyAsync(
        gateway.Services.GetRequiredService<Database>(), AuditKeys.PublicKeys(Path.Combine(gateway.Pki, "token-signing.crt")), CancellationToken.None);

    private async Task ExecuteOnLiveDatabase(string sql)
    {
        if (gateway.Provider == "sqlserver")
        {
            // CREATE TRIGGER must be alone in its batch: "GO" lines separate batches, as in sqlcmd.
            await using var sqlServer = await gateway.Services.GetRequiredService<Database>().OpenAsync();
            foreach (var batch in sql.Split("\nGO\n", StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                await using var batchCommand = sqlServer.CreateCommand();
                batchCommand.CommandText = batch;
                await batchCommand.ExecuteNonQueryAsync();
            }

            return;
        }

        if (gateway.Provider == "postgres")
        {
            await using var pg = new Npgsql.NpgsqlConnection(gateway.ConnectionString);
            await pg.OpenAsync();
            await using var pgCommand = new Npgsql.NpgsqlCommand(sql, pg);
            await pgCommand.ExecuteNonQueryAsync();
            return;
        }

        await using var connection = new SqliteConnection($"Data Source={Path.Combine(gateway.Root, "gateway.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>An offline copy, as a DPO would take it (VACUUM INTO is an online, consistent copy).</summary>
    private async Task<string> CopyDatabaseAsync(string name)
    {
        var copy = Path.Combine(gateway.Root, name + ".db");
        await ExecuteOnLiveDatabase($"VACUUM INTO '{copy}'");
        return copy;
    }

    private async Task<string> CopyOf(string source, string name, string tamper)
    {
        var copy = Path.Combine(gateway.Root, name + ".db");
        File.Copy(source, copy);
        await using var connection = new SqliteConnection($"Data Source={copy};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = tamper;
        await command.ExecuteNonQueryAsync();
        return copy;
    }

    private Task<int> VerifyCli(string database) =>
        Gateway.Server.Admin.GatewayCli.Create((_, _) => Task.FromResult(99))
            .Parse(["audit", "verify", "--connection", $"Data Source={database};Pooling=False", "--certificate", Path.Combine(gateway.Pki, "token-signing.crt")])
            .InvokeAsync();
}
