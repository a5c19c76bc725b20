using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.Client;
using Gateway.Contracts.V1;
using Gateway.Server.Agencies;
using Gateway.Server.Auth;
using Gateway.Server.Pki;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;

namespace Gateway.IntegrationTests;

/// <summary>
/// A gateway of its own for the matrix: the matrix advances the clock (expired tokens) and suspends
/// an agency, which must not disturb other tests.
/// </summary>
public class MatrixGateway : GatewayServer
{
    private readonly Lock gate = new();
    private Task? setup;

    /// <summary>An agency holding every scope, so that each scope can be withheld alone.</summary>
    public const string AllScopes = "matrix-all";

    public const string Suspended = "matrix-suspended";

    public string SeizureId { get; private set; } = "";

    public string LeadId { get; private set; } = "";

    /// <summary>fr-customs' subject on a certificate from the dev CA that expired yesterday.</summary>
    public string ExpiredPki => Path.Combine(Root, "expired");

    internal Task EnsureReadyAsync()
    {
        lock (gate)
        {
            return setup ??= SetupAsync();
        }
    }

    private async Task SetupAsync()
    {
        var everyScope = RpcScopes.All.Values.SelectMany(p => p.Split('|')).Distinct().Order().ToList();
        foreach (var id in new[] { AllScopes, Suspended })
        {
            var subject = $"CN={id}, O=Matrix (test), C=FR";
            DevPki.IssueClient(Pki, id, subject);
            await Agencies.AddAsync(new Agency(id, Agency.KindAgency, id, Agency.StatusActive, ["FR"], everyScope,
                new HashSet<DataSubset> { DataSubset.ShipmentCore, DataSubset.SellerIdentity }, subject, null, 60));
        }

        Directory.CreateDirectory(ExpiredPki);
        using (var ca = X509Certificate2.CreateFromPemFile(Path.Combine(Pki, "ca.crt"), Path.Combine(Pki, "ca.key")))
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var subject = DevPki.DemoClients.Single(c => c.Id == "fr-customs").Subject;
            using var expired = DevPki.Issue(ca, subject, key, new Oid("1.3.6.1.5.5.7.3.2"),
                notBefore: DateTimeOffset.UtcNow.AddDays(-30), notAfter: DateTimeOffset.UtcNow.AddDays(-1));
            File.WriteAllText(Path.Combine(ExpiredPki, "fr-customs.crt"), expired.ExportCertificatePem());
            File.WriteAllText(Path.Combine(ExpiredPki, "fr-customs.key"), key.ExportPkcs8PrivateKeyPem());
        }

        // A French seizure and a lead addressed to fr-customs: the keys the "other jurisdiction" column asks for as de-customs.
        using (var fr = Connect("fr-customs"))
        using (var channel = fr.CreateChannel())
        {
            var receipt = await new SeizureService.SeizureServiceClient(channel).ReportSeizureAsync(SeizureCalls.Report(trackingNumber: "LX100000001CN"));
            SeizureId = receipt.SeizureId;
        }

        using (var platform = Connect("platform"))
        using (var channel = platform.CreateChannel())
        {
            var lead = await new LeadService.LeadServiceClient(channel).CreateLeadAsync(new CreateLeadRequest
            {
                Context = Calls.Context("INV-2026-0007"), RequestId = Guid.NewGuid().ToString(), AgencyId = "fr-customs",
                ShipmentIds = { "SHP-DEMO-0001" }, Narrative = "Matrix lead.", InvestigatorId = "investigator-12",
            });
            LeadId = lead.LeadId;
        }
    }
}

/// <summary>
/// Every gateway RPC, enumerated from the contract's descriptors, against every way a call must be
/// refused — over real mutual TLS, real tokens and a real database. A new RPC without an entry in
/// <see cref="Rpcs"/> fails <see cref="Every_rpc_of_the_contract_has_an_entry_in_the_matrix"/>, so
/// nothing ships untested by omission.
/// </summary>
public sealed class AuthorizationMatrixTests(MatrixGateway gateway) : IClassFixture<MatrixGateway>
{
    /// <summary>Who legitimately calls an RPC and a valid minimal request for it (given the fixture's keys).</summary>
    internal sealed record Rpc(string Caller, Func<MatrixGateway, IMessage> Request, Func<MatrixGateway, IMessage>? OtherJurisdiction = null);

    internal static readonly Dictionary<string, Rpc> Rpcs = new(StringComparer.Ordinal)
    {
        ["gateway.v1.ShipmentService/GetShipment"] = new("fr-customs", _ => Calls.ByTracking("LX100000001CN"),
            _ => Calls.ByTracking("LX100000001CN")),
        ["gateway.v1.ShipmentService/SearchShipments"] = new("fr-customs", _ => new SearchShipmentsRequest { Context = Calls.Context(), PageSize = 10 }),
        ["gateway.v1.ShipmentService/ExportShipments"] = new("fr-customs", _ => new ExportShipmentsRequest { Context = Calls.Context(), BatchSize = 10 }),
        ["gateway.v1.SellerService/GetSeller"] = new("fr-customs", _ => new GetSellerRequest { Context = Calls.Context(), SellerId = "SEL-0002" },
            _ => new GetSellerRequest { Context = Calls.Context(), SellerId = "SEL-0002" }),
        ["gateway.v1.SeizureService/ReportSeizure"] = new("fr-customs", _ => SeizureCalls.Report(trackingNumber: "LX100000001CN"),
            _ => SeizureCalls.Report(trackingNumber: "LX100000001CN")),
        ["gateway.v1.SeizureService/UpdateSeizureStatus"] = new("fr-customs",
            g => new UpdateSeizureStatusRequest { Context = Calls.Context(), RequestId = Guid.NewGuid().ToString(), SeizureId = g.SeizureId, Status = SeizureStatus.Released },
            g => new UpdateSeizureStatusRequest { Context = Calls.Context(), RequestId = Guid.NewGuid().ToString(), SeizureId = g.SeizureId, Status = SeizureStatus.Released }),
        ["gateway.v1.SeizureService/GetSeizure"] = new("fr-customs", g => new GetSeizureRequest { Context = Calls.Context(), SeizureId = g.SeizureId },
            g => new GetSeizureRequest { Context = Calls.Context(), SeizureId = g.SeizureId }),
        ["gateway.v1.SeizureService/ListSeizures"] = new("fr-customs", _ => new ListSeizuresRequest { Context = Calls.Context(), PageSize = 10 }),
        ["gateway.v1.LeadService/CreateLead"] = new("platform", _ => new CreateLeadRequest
        {
            Context = Calls.Context("INV-2026-0007"), RequestId = Guid.NewGuid().ToString(), AgencyId = "fr-customs",
            ShipmentIds = { "SHP-DEMO-0001" }, Narrative = "Matrix lead.", InvestigatorId = "investigator-12",
        }),
        ["gateway.v1.LeadService/PullLeads"] = new("fr-customs", _ => new PullLeadsRequest { Context = Calls.Context(), MaxLeads = 1 }),
        ["gateway.v1.LeadService/AcknowledgeLeads"] = new("fr-customs", g => new AcknowledgeLeadsRequest
        {
            Context = Calls.Context(), Acks = { new LeadAck { LeadId = g.LeadId, Disposition = LeadDisposition.Accepted } },
        }),
        ["gateway.v1.LeadService/GetLead"] = new("fr-customs", g => new GetLeadRequest { Context = Calls.Context(), LeadId = g.LeadId },
            g => new GetLeadRequest { Context = Calls.Context(), LeadId = g.LeadId }),
        ["gateway.v1.IngestService/UpsertSellers"] = new("platform", _ => DemoSeller()),
        ["gateway.v1.IngestService/UpsertShipments"] = new("platform", _ => DemoShipment()),
        ["gateway.v1.IngestService/UpsertListings"] = new("platform", _ => DemoListing()),
        ["gateway.v1.IngestService/UpsertBrands"] = new("platform", _ => new Brand { BrandId = "BR-MATRIX", Name = "Matrix" }),
        ["gateway.v1.IngestService/UpsertShipmentBatches"] = new("platform", _ => new ShipmentIngestBatch { Shipments = { DemoShipment() } }),
        ["gateway.v1.EnforcementFeedService/ListEnforcementEvents"] = new("platform", _ => new ListEnforcementEventsRequest { Max = 10 }),
        ["gateway.v1.AuditService/QueryAudit"] = new("oversight", _ => new QueryAuditRequest { Context = Calls.Context(), CaseReference = "NONE" }),
        ["gateway.v1.AuditService/VerifyAudit"] = new("oversight", _ => new VerifyAuditRequest { Context = Calls.Context() }),
    };

    /// <summary>
    /// RPCs without a jurisdiction key, and why: the "other jurisdiction" column does not apply to them.
    /// Listing and searching RPCs filter by jurisdiction inside the SQL (tested in SearchShipmentsTests /
    /// SellerAndJurisdictionTests / SeizureTests); the platform's and oversight's RPCs are not agency-scoped.
    /// </summary>
    private static readonly Dictionary<string, string> NoJurisdictionKey = new(StringComparer.Ordinal)
    {
        ["gateway.v1.ShipmentService/SearchShipments"] = "a filter, not a key: out-of-jurisdiction rows are never returned (SearchShipmentsTests)",
        ["gateway.v1.ShipmentService/ExportShipments"] = "a filter, not a key (LargeExportTests, SellerAndJurisdictionTests)",
        ["gateway.v1.SeizureService/ListSeizures"] = "lists the caller's own seizures only (SeizureTests)",
        ["gateway.v1.LeadService/CreateLead"] = "platform RPC: the platform addresses leads to agencies",
        ["gateway.v1.LeadService/PullLeads"] = "returns the caller's own leads only (LeadPullTests)",
        ["gateway.v1.LeadService/AcknowledgeLeads"] = "another agency's lead id counts as not found in the response (LeadPullTests)",
        ["gateway.v1.IngestService/UpsertSellers"] = "platform ingest, not jurisdiction-scoped",
        ["gateway.v1.IngestService/UpsertShipments"] = "platform ingest, not jurisdiction-scoped",
        ["gateway.v1.IngestService/UpsertListings"] = "platform ingest, not jurisdiction-scoped",
        ["gateway.v1.IngestService/UpsertBrands"] = "platform ingest, not jurisdiction-scoped",
        ["gateway.v1.IngestService/UpsertShipmentBatches"] = "platform ingest, not jurisdiction-scoped",
        ["gateway.v1.EnforcementFeedService/ListEnforcementEvents"] = "the platform's feed, not jurisdiction-scoped",
        ["gateway.v1.AuditService/QueryAudit"] = "oversight reads the whole log by design",
        ["gateway.v1.AuditService/VerifyAudit"] = "oversight verifies the whole chain by design",
    };

    /// <summary>Services agencies implement and the gateway calls: not served by the gateway.</summary>
    private static readonly HashSet<string> NotServed = ["gateway.v1.LeadReceiver"];

    public static IEnumerable<MethodDescriptor> ContractMethods() =>
        new[]
        {
            ShipmentsReflection.Descriptor, SellersReflection.Descriptor, SeizuresReflection.Descriptor, LeadsReflection.Descriptor,
            IngestReflection.Descriptor, FeedReflection.Descriptor, AuditReflection.Descriptor, CommonReflection.Descriptor,
        }
        .SelectMany(f => f.Services)
        .Where(s => !NotServed.Contains(s.FullName))
        .SelectMany(s => s.Methods);

    internal static string Key(MethodDescriptor m) => $"{m.Service.FullName}/{m.Name}";

    [Fact]
    public void Every_rpc_of_the_contract_has_an_entry_in_the_matrix()
    {
        var methods = ContractMethods().Select(Key).ToList();
        Assert.NotEmpty(methods);
        Assert.Empty(methods.Except(Rpcs.Keys));
        Assert.Empty(Rpcs.Keys.Except(methods));
        // Each RPC either has an out-of-jurisdiction request or says why the column does not apply.
        Assert.DoesNotContain(methods, m => Rpcs[m].OtherJurisdiction is null == !NoJurisdictionKey.ContainsKey(m));
        // …and the scope table agrees with the contract.
        Assert.Equal(methods.Select(m => "/" + m).Order(), RpcScopes.All.Keys.Order());
    }

    [Fact]
    public async Task The_legitimate_caller_succeeds_on_every_rpc()
    {
        await gateway.EnsureReadyAsync();
        var results = await ForEachRpc(async (m, rpc) =>
        {
            using var connection = gateway.Connect(rpc.Caller);
            using var channel = connection.CreateChannel();
            return await InvokeAsync(channel, m, rpc.Request(gateway));
        });
        AssertAll(results, _ => StatusCode.OK);
    }

    [Fact]
    public async Task No_client_certificate_fails_the_handshake_on_every_rpc()
    {
        await gateway.EnsureReadyAsync();
        var results = await ForEachRpc(async (m, rpc) =>
        {
            using var handler = new SocketsHttpHandler();
            handler.SslOptions.RemoteCertificateValidationCallback = gateway.TrustedServer;
            using var channel = GrpcChannel.ForAddress(gateway.Address, new GrpcChannelOptions { HttpHandler = handler });
            return await InvokeAsync(channel, m, rpc.Request(gateway));
        });
        AssertHandshakeRefused(results);
    }

    [Fact]
    public async Task A_foreign_CA_certificate_fails_the_handshake_on_every_rpc()
    {
        await gateway.EnsureReadyAsync();
        var results = await ForEachRpc(async (m, rpc) =>
        {
            using var foreign = gateway.ConnectWith(gateway.ForeignPki, "fr-customs", "fr-customs");
            using var channel = foreign.CreateChannel(_ => Task.FromResult<string?>(null));
            return await InvokeAsync(channel, m, rpc.Request(gateway));
        });
        AssertHandshakeRefused(results);
    }

    [Fact]
    public async Task An_expired_client_certificate_fails_the_handshake_on_every_rpc()
    {
        await gateway.EnsureReadyAsync();
        var results = await ForEachRpc(async (m, rpc) =>
        {
            using var expired = gateway.ConnectWith(gateway.ExpiredPki, "fr-customs", "fr-customs");
            using var channel = expired.CreateChannel(_ => Task.FromResult<string?>(null));
            return await InvokeAsync(channel, m, rpc.Request(gateway));
        });
        AssertHandshakeRefused(results);
        Assert.True(await gateway.EventuallyLoggedAsync("NotTimeValid"), "the expiry is the logged reason");
    }

    [Fact]
    public async Task No_token_is_unauthenticated_on_every_rpc()
    {
        await gateway.EnsureReadyAsync();
        var results = await ForEachRpc(async (m, rpc) =>
        {
            using var connection = gateway.Connect(rpc.Caller);
            using var channel = connection.CreateChannel(_ => Task.FromResult<string?>(null));
            return await InvokeAsync(channel, m, rpc.Request(gateway));
        });
        AssertAll(results, _ => StatusCode.Unauthenticated);
    }

    [Fact]
    public async Task An_expired_token_is_unauthenticated_on_every_rpc()
    {
        await gateway.EnsureReadyAsync();
        var connections = Rpcs.Values.Select(r => r.Caller).Distinct().ToDictionary(c => c, c => gateway.Connect(c));
        try
        {
            var tokens = new Dictionary<string, string?>();
            foreach (var (caller, connection) in connections)
            {
                tokens[caller] = (await connection.RequestTokenAsync()).AccessToken;
            }

            gateway.Clock.Advance(TimeSpan.FromMinutes(6));
            var results = await ForEachRpc(async (m, rpc) =>
            {
                using var channel = connections[rpc.Caller].CreateChannel(_ => Task.FromResult(tokens[rpc.Caller]));
                return await InvokeAsync(channel, m, rpc.Request(gateway));
            });
            AssertAll(results, _ => StatusCode.Unauthenticated);
        }
        finally
        {
            foreach (var connection in connections.Values)
            {
                connection.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_token_issued_to_another_certificate_is_unauthenticated_on_every_rpc()
    {
        await gateway.EnsureReadyAsync();
        var results = await ForEachRpc(async (m, rpc) =>
        {
            // The legitimate caller's token, replayed on another registered client's connection.
            using var owner = gateway.Connect(rpc.Caller);
            var token = (await owner.RequestTokenAsync()).AccessToken;
            using var thief = gateway.Connect(rpc.Caller == "de-customs" ? "fr-customs" : "de-customs");
            using var channel = thief.CreateChannel(_ => Task.FromResult(token));
            return await InvokeAsync(channel, m, rpc.Request(gateway));
        });
        AssertAll(results, _ => StatusCode.Unauthenticated);
    }

    [Fact]
    public async Task Each_missing_scope_is_permission_denied_on_every_rpc()
    {
        await gateway.EnsureReadyAsync();
        var everyScope = RpcScopes.All.Values.SelectMany(p => p.Split('|')).Distinct().ToList();
        var results = await ForEachRpc(async (m, rpc) =>
        {
            // All scopes but the one(s) this RPC accepts, on an agency that holds them all.
            var accepted = RpcScopes.All["/" + Key(m)].Split('|');
            using var connection = gateway.Connect(MatrixGateway.AllScopes, scopes: [.. everyScope.Except(accepted)]);
            using var channel = connection.CreateChannel();
            return await InvokeAsync(channel, m, rpc.Request(gateway));
        });
        AssertAll(results, _ => StatusCode.PermissionDenied);

        // The control: the same agency with every scope gets past the scope check on every RPC.
        var control = await ForEachRpc(async (m, rpc) =>
        {
            using var connection = gateway.Connect(MatrixGateway.AllScopes, scopes: everyScope);
            using var channel = connection.CreateChannel();
            return await InvokeAsync(channel, m, rpc.Request(gateway));
        });
        // (A PermissionDenied there must be a business rule with its own reason, e.g. LEADS_PLATFORM_ONLY, never the scope policy.)
        Assert.DoesNotContain(control, r => r.Status is StatusCode.Unauthenticated or StatusCode.Unknown or StatusCode.Internal
            || (r.Status == StatusCode.PermissionDenied && r.Reason is null));
    }

    [Fact]
    public async Task A_suspended_agency_is_permission_denied_on_every_rpc()
    {
        await gateway.EnsureReadyAsync();
        using var connection = gateway.Connect(MatrixGateway.Suspended);
        var token = (await connection.RequestTokenAsync()).AccessToken;
        Assert.True(await gateway.Agencies.SetStatusAsync(MatrixGateway.Suspended, Agency.StatusSuspended));
        var results = await ForEachRpc(async (m, rpc) =>
        {
            using var channel = connection.CreateChannel(_ => Task.FromResult(token));
            return await InvokeAsync(channel, m, rpc.Request(gateway));
        });
        AssertAll(results, _ => StatusCode.PermissionDenied);
        Assert.All(results, r => Assert.Equal("AGENCY_SUSPENDED", r.Reason));
    }

    [Fact]
    public async Task Another_jurisdictions_key_is_not_found_on_every_keyed_rpc()
    {
        await gateway.EnsureReadyAsync();
        // de-customs asks for French keys: LX…1CN goes to FR, SEL-0002 ships to FR only, the seizure and lead are fr-customs'.
        var results = await ForEachRpc(async (m, rpc) =>
        {
            using var connection = gateway.Connect("de-customs");
            using var channel = connection.CreateChannel();
            return await InvokeAsync(channel, m, rpc.OtherJurisdiction!(gateway));
        }, rpc => rpc.OtherJurisdiction is not null);
        Assert.Equal(Rpcs.Count - NoJurisdictionKey.Count, results.Count);
        AssertAll(results, _ => StatusCode.NotFound);
    }

    [Fact]
    public async Task A_missing_legal_basis_is_invalid_argument_on_every_rpc_with_a_request_context()
    {
        await gateway.EnsureReadyAsync();
        var results = await ForEachRpc(async (m, rpc) =>
        {
            var request = rpc.Request(gateway);
            var context = request.Descriptor.FindFieldByNumber(1)!;
            var envelope = ((RequestContext)context.Accessor.GetValue(request)).Clone();
            envelope.LegalBasis = "";
            context.Accessor.SetValue(request, envelope);
            using var connection = gateway.Connect(rpc.Caller);
            using var channel = connection.CreateChannel();
            return await InvokeAsync(channel, m, request);
        }, (m, _) => HasRequestContext(m));
        // Every agency/investigator RPC carries the envelope; only ingest and the feed (platform machinery) do not.
        Assert.Equal(
            ["gateway.v1.EnforcementFeedService/ListEnforcementEvents", "gateway.v1.IngestService/UpsertBrands", "gateway.v1.IngestService/UpsertListings",
             "gateway.v1.IngestService/UpsertSellers", "gateway.v1.IngestService/UpsertShipmentBatches", "gateway.v1.IngestService/UpsertShipments"],
            ContractMethods().Where(m => !HasRequestContext(m)).Select(Key).Order());
        AssertAll(results, _ => StatusCode.InvalidArgument);
        Assert.All(results, r => Assert.Contains("context.legal_basis", r.Fields));
    }

    private static bool HasRequestContext(MethodDescriptor m) =>
        m.InputType.FindFieldByNumber(1) is { FieldType: FieldType.Message } f && f.MessageType == RequestContext.Descriptor;

    internal sealed record Result(string Method, StatusCode Status, string Detail, string? Reason, IReadOnlyList<string> Fields);

    private static Task<List<Result>> ForEachRpc(Func<MethodDescriptor, Rpc, Task<Result>> call, Func<Rpc, bool> where) =>
        ForEachRpc(call, (_, rpc) => where(rpc));

    private static async Task<List<Result>> ForEachRpc(Func<MethodDescriptor, Rpc, Task<Result>> call, Func<MethodDescriptor, Rpc, bool>? where = null)
    {
        var methods = ContractMethods().Where(m => where?.Invoke(m, Rpcs[Key(m)]) ?? true).ToList();
        return [.. await Task.WhenAll(methods.Select(m => call(m, Rpcs[Key(m)])))];
    }

    private static void AssertAll(List<Result> results, Func<Result, StatusCode> expected)
    {
        var wrong = results.Where(r => r.Status != expected(r)).Select(r => $"{r.Method}: expected {expected(r)}, got {r.Status} ({r.Detail})").ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    /// <summary>
    /// A refused handshake: the client library reports UNAVAILABLE, or — when the TLS 1.3 connection
    /// breaks just after the client sent its HTTP/2 preface — INTERNAL "Error starting gRPC call" or a
    /// raw transport exception. Either way no request reached the server (its log has the reason).
    /// </summary>
    private static void AssertHandshakeRefused(List<Result> results)
    {
        var wrong = results.Where(r => !(r.Status == StatusCode.Unavailable
            || (r.Status == StatusCode.Internal && r.Detail.StartsWith("Error starting gRPC call", StringComparison.Ordinal))))
            .Select(r => $"{r.Method}: expected a refused handshake, got {r.Status} ({r.Detail})").ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    /// <summary>Calls any RPC with the request's bytes, whatever its streaming kind, and returns how it ended.</summary>
    internal static async Task<Result> InvokeAsync(GrpcChannel channel, MethodDescriptor m, IMessage request, CancellationToken cancellationToken = default)
    {
        var type = (m.IsClientStreaming, m.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.DuplexStreaming,
        };
        var method = new Method<byte[], byte[]>(type, m.Service.FullName, m.Name, RawBytes, RawBytes);
        var invoker = channel.CreateCallInvoker();
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken);
        var bytes = request.ToByteArray();
        try
        {
            switch (type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(method, null, options, bytes).ResponseAsync;
                    break;
                case MethodType.ServerStreaming:
                    using (var call = invoker.AsyncServerStreamingCall(method, null, options, bytes))
                    {
                        while (await call.ResponseStream.MoveNext(cancellationToken))
                        {
                        }
                    }

                    break;
                case MethodType.ClientStreaming:
                    using (var call = invoker.AsyncClientStreamingCall(method, null, options))
                    {
                        try
                        {
                            await call.RequestStream.WriteAsync(bytes, cancellationToken);
                            await call.RequestStream.CompleteAsync();
                        }
                        catch (Exception e) when (e is RpcException or InvalidOperationException)
                        {
                            // The server already answered (a refusal); its status is in ResponseAsync.
                        }

                        await call.ResponseAsync;
                    }

                    break;
                default:
                    throw new NotSupportedException("No duplex RPC in the contract.");
            }

            return new Result(Key(m), StatusCode.OK, "", null, []);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            // The connection itself failed before any gRPC status existed (a refused handshake).
            return new Result(Key(m), StatusCode.Unavailable, "transport: " + e.Message, null, []);
        }
        catch (RpcException e)
        {
            return new Result(Key(m), e.StatusCode, e.Status.Detail, e.ErrorInfo()?.Reason,
                e.BadRequest()?.FieldViolations.Select(v => v.Field).ToList() ?? []);
        }
    }

    private static readonly Marshaller<byte[]> RawBytes = Marshallers.Create(b => b, b => b);

    private static Seller DemoSeller()
    {
        var seller = Gateway.Server.Demo.DemoData.Sellers().First();
        seller.SellerId = "SEL-MATRIX";
        return seller;
    }

    private static Shipment DemoShipment() => new()
    {
        ShipmentId = "SHP-MATRIX", TrackingNumber = "LXMATRIX0001CN", SellerId = "SEL-0001", OriginCountry = "CN", DestinationCountry = "FR",
        Carrier = "China Post", TransportMode = "AIR",
        DeclaredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow),
        Goods = { new GoodsItem { Description = "watch", HsCode = "910211", Quantity = 1, IntrinsicValue = new Money { AmountMinor = 1500, Currency = "EUR" }, CountryOfOrigin = "CN" } },
    };

    private static Listing DemoListing() => new() { ListingId = "LST-MATRIX", SellerId = "SEL-0001", Title = "Matrix listing" };
}
