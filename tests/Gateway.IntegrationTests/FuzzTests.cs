using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Gateway.Client;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests;

/// <summary>The matrix's gateway and keys, with limits out of the way of a fuzz run (the limits have their own tests).</summary>
public sealed class FuzzGateway : MatrixGateway
{
    protected override IEnumerable<string> AdditionalArgs() =>
    [
        "--Gateway:Limits:Burst=10000000",
        "--Gateway:Limits:CallsPerPeriod=10000000",
        "--Gateway:Limits:MaxConcurrentCalls=10000",
    ];
}

/// <summary>
/// Bad input over real mTLS to a real gateway: a seeded generator mutates a valid request of every RPC
/// (hostile strings — SQL metacharacters, wildcards, control and non-BMP characters, very long values —
/// out-of-range numbers and enums, huge repeated fields, invalid UTF-8 on the wire), and raw gRPC frames
/// are broken on purpose. Every call must end with a defined status — never UNKNOWN, which is what an
/// unhandled exception in a handler becomes — and the server must still answer afterwards.
/// The seed is printed; set GATEWAY_FUZZ_SEED to replay a run, GATEWAY_FUZZ_CASES to change its size.
/// </summary>
public sealed class FuzzTests(FuzzGateway gateway, ITestOutputHelper output) : IClassFixture<FuzzGateway>
{
    private static readonly string[] HostileStrings =
    [
        "", " ", "'", "''", "\"", "';--", "' OR '1'='1", "1; DROP TABLE shipments;--", "%", "_", "%_%", "\\", "\\'", "[", "]", "*", "?",
        "\0", "a\0b", "\u202Eevil", "😀😀😀", "Ω≈ç√∫", "\r\n", "\t", "NULL", "null", "-1", "0", "99999999999999999999", "1e309", "NaN",
        "SEL-0001", "LX100000001CN", "SHP-DEMO-0001", "FR", "fr", "ZZ", "XX", "../../etc/passwd", "<script>", "${jndi:ldap://x}", "%00",
        "SELECT * FROM audit_log", "\uFFFF", "\uD800", new string('A', 65), new string('x', 5_000), new string('é', 20_000),
    ];

    [Fact]
    public async Task Ten_thousand_mutated_requests_end_with_defined_statuses_and_the_server_stays_up()
    {
        await gateway.EnsureReadyAsync();
        var cases = int.TryParse(Environment.GetEnvironmentVariable("GATEWAY_FUZZ_CASES"), out var n) ? n : 10_000;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("GATEWAY_FUZZ_SEED"), out var s) ? s : Environment.TickCount;
        output.WriteLine($"seed {seed}, {cases} cases");

        var methods = AuthorizationMatrixTests.ContractMethods().ToList();
        var callers = AuthorizationMatrixTests.Rpcs.Values.Select(r => r.Caller).Distinct().ToDictionary(c => c, c => gateway.Connect(c));
        var channels = callers.ToDictionary(c => c.Key, c => c.Value.CreateChannel());
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<StatusCode, int>();
        var undefined = new System.Collections.Concurrent.ConcurrentBag<string>();
        var kinds = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await Parallel.ForAsync(0, cases, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            {
                var random = new Random(HashCode.Combine(seed, i));
                var method = methods[i % methods.Count];
                var rpc = AuthorizationMatrixTests.Rpcs[AuthorizationMatrixTests.Key(method)];
                var request = rpc.Request(gateway);
                Mutate(request, random, depth: 0);
                var bytes = random.Next(10) == 0 ? CorruptUtf8(request, random) : request.ToByteArray();
                var result = await InvokeRawAsync(channels[rpc.Caller], method, bytes);
                statuses.AddOrUpdate(result.Status, 1, (_, c) => c + 1);
                if (result.Status is StatusCode.Unknown or StatusCode.Unavailable or StatusCode.Internal)
                {
                    kinds.AddOrUpdate($"{AuditorKey(method)} {result.Status} {result.Detail}", 1, (_, c) => c + 1);
                }

                // UNKNOWN is an unhandled exception; UNAVAILABLE / INTERNAL / DATA_LOSS here would mean the input broke
                // something shared (e.g. a value the audit store cannot hold failing a whole group commit).
                if (result.Status is StatusCode.Unknown or StatusCode.Unavailable or StatusCode.Internal or StatusCode.DataLoss
                    || result.Detail.Contains("Exception was thrown by handler", StringComparison.Ordinal))
                {
                    undefined.Add($"case {i} {AuthorizationMatrixTests.Key(method)}: {result.Status} {result.Detail}; request {Convert.ToBase64String(bytes.Length > 2000 ? bytes[..2000] : bytes)}");
                }
            });
        }
        finally
        {
            foreach (var channel in channels.Values)
            {
                channel.Dispose();
            }

            foreach (var connection in callers.Values)
            {
                connection.Dispose();
            }
        }

        output.WriteLine($"{cases} cases in {watch.Elapsed.TotalSeconds:F1} s: " + string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}")));
        foreach (var (kind, count) in kinds.OrderByDescending(k => k.Value))
        {
            output.WriteLine($"  {count} × {kind}");
        }

        string[] errors;
        lock (gateway.Log)
        {
            errors = [.. gateway.Log.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal))];
        }

        foreach (var group in errors.Select(e => e.Split('\n').Take(2).Aggregate((a, b) => a + " | " + b)).Select(e => e.Length > 300 ? e[..300] : e).GroupBy(e => e).OrderByDescending(g => g.Count()).Take(15))
        {
            output.WriteLine($"  server: {group.Count()} × {group.Key}");
        }

        Assert.True(undefined.IsEmpty, string.Join("\n", undefined.Take(20)));
        Assert.Equal(cases, statuses.Values.Sum());
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Broken_grpc_frames_end_with_defined_statuses_and_the_server_stays_up()
    {
        await gateway.EnsureReadyAsync();
        using var fr = gateway.Connect("fr-customs");
        var token = await fr.GetAccessTokenAsync();
        var valid = Calls.ByTracking("LX100000001CN").ToByteArray();
        var frames = new Dictionary<string, byte[]>
        {
            ["empty body"] = [],
            ["truncated header"] = [0, 0, 0],
            ["length beyond the body"] = Frame(0, valid, declaredLength: valid.Length + 100),
            ["truncated message"] = Frame(0, valid[..(valid.Length / 2)]),
            ["compressed flag without grpc-encoding"] = Frame(1, valid),
            ["invalid compression flag"] = Frame(7, valid),
            ["declared 100 MB, beyond the maximum"] = Frame(0, valid, declaredLength: 100 * 1024 * 1024),
            ["garbage protobuf"] = Frame(0, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
            ["wrong wire type for a field"] = Frame(0, [0x0D, 1, 2, 3, 4]),
            ["two messages on a unary call"] = [.. Frame(0, valid), .. Frame(0, valid)],
            ["deeply nested unknown groups"] = Frame(0, [.. Enumerable.Repeat((byte)0x0B, 5_000)]),
        };

        using var http = Http(fr);
        var failures = new List<string>();
        foreach (var (name, body) in frames)
        {
            var (httpStatus, grpcStatus, message) = await PostAsync(http, "/gateway.v1.ShipmentService/GetShipment", body, token);
            output.WriteLine($"{name}: HTTP {httpStatus}, grpc-status {grpcStatus} {message}");
            if (grpcStatus is null || grpcStatus == (int)StatusCode.Unknown)
            {
                failures.Add($"{name}: HTTP {httpStatus}, grpc-status {grpcStatus?.ToString() ?? "missing"} {message}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        await AssertStillServingAsync();
    }

    private static string AuditorKey(MethodDescriptor m) => AuthorizationMatrixTests.Key(m);

    private async Task AssertStillServingAsync()
    {
        using var fr = gateway.Connect("fr-customs");
        using var channel = fr.CreateChannel();
        var shipment = await new Gateway.Contracts.V1.ShipmentService.ShipmentServiceClient(channel).GetShipmentAsync(Calls.ByTracking("LX100000001CN"));
        Assert.Equal("FR", shipment.DestinationCountry);
    }

    /// <summary>Sets a few fields (recursively) to hostile values; repeated fields sometimes get thousands of items.</summary>
    private static void Mutate(IMessage message, Random random, int depth)
    {
        var fields = message.Descriptor.Fields.InFieldNumberOrder();
        if (fields.Count == 0 || depth > 4)
        {
            return;
        }

        var changes = 1 + random.Next(Math.Min(4, fields.Count));
        for (var c = 0; c < changes; c++)
        {
            var field = fields[random.Next(fields.Count)];
            if (field.IsMap)
            {
                continue;
            }

            if (field.IsRepeated)
            {
                var list = (System.Collections.IList)field.Accessor.GetValue(message);
                var count = random.Next(8) switch { 0 => 5_000, 1 => 0, _ => random.Next(1, 5) };
                list.Clear();
                for (var k = 0; k < count; k++)
                {
                    if (Value(field, random, depth, k > 0 && count > 100) is { } item)
                    {
                        list.Add(item);
                    }
                }
            }
            else if (Value(field, random, depth, cheap: false) is { } value)
            {
                field.Accessor.SetValue(message, value);
            }
            else
            {
                field.Accessor.Clear(message);
            }
        }
    }

    private static object? Value(FieldDescriptor field, Random random, int depth, bool cheap)
    {
        switch (field.FieldType)
        {
            case FieldType.String:
                return cheap ? "x" : HostileStrings[random.Next(HostileStrings.Length)];
            case FieldType.Bytes:
                return ByteString.CopyFrom([.. Enumerable.Range(0, random.Next(64)).Select(_ => (byte)random.Next(256))]);
            case FieldType.Bool:
                return random.Next(2) == 0;
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32:
                return random.Next(6) switch { 0 => int.MinValue, 1 => int.MaxValue, 2 => -1, 3 => 0, _ => random.Next(-10, 100_000) };
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                return random.Next(5) switch { 0 => long.MinValue, 1 => long.MaxValue, 2 => -1L, 3 => 0L, _ => (long)random.Next(-10, int.MaxValue) };
            case FieldType.UInt32 or FieldType.Fixed32:
                return random.Next(3) == 0 ? uint.MaxValue : (uint)random.Next(100_000);
            case FieldType.UInt64 or FieldType.Fixed64:
                return random.Next(3) == 0 ? ulong.MaxValue : (ulong)random.Next(100_000);
            case FieldType.Double:
                return random.Next(5) switch { 0 => double.NaN, 1 => double.PositiveInfinity, 2 => double.MinValue, 3 => -0.0, _ => random.NextDouble() * 1e6 };
            case FieldType.Float:
                return random.Next(3) == 0 ? float.NaN : (float)random.NextDouble();
            case FieldType.Enum:
                // Out-of-range values as often as defined ones: proto3 keeps unknown enum numbers.
                var number = random.Next(3) == 0
                    ? random.Next(-5, 1000)
                    : field.EnumType.Values[random.Next(field.EnumType.Values.Count)].Number;
                return Enum.ToObject(field.EnumType.ClrType, number);
            case FieldType.Message:
                if (cheap || random.Next(4) == 0)
                {
                    return random.Next(2) == 0 ? null : field.MessageType.Parser.ParseFrom([]);
                }

                var nested = field.MessageType.Parser.ParseFrom([]);
                Mutate(nested, random, depth + 1);
                return nested;
            default:
                return null;
        }
    }

    /// <summary>The request's bytes with one extra string field (a field the message has, or an unknown one) holding invalid UTF-8.</summary>
    private static byte[] CorruptUtf8(IMessage request, Random random)
    {
        var strings = request.Descriptor.Fields.InFieldNumberOrder().Where(f => f.FieldType == FieldType.String && !f.IsRepeated).ToList();
        var number = strings.Count > 0 ? strings[random.Next(strings.Count)].FieldNumber : 15;
        byte[] invalid = [0x41, 0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80, 0x42];
        using var stream = new MemoryStream();
        request.WriteTo(stream);
        var output = new CodedOutputStream(stream);
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(invalid));
        output.Flush();
        return stream.ToArray();
    }

    private static readonly Marshaller<byte[]> RawBytes = Marshallers.Create(b => b, b => b);

    private static async Task<(StatusCode Status, string Detail)> InvokeRawAsync(GrpcChannel channel, MethodDescriptor m, byte[] bytes)
    {
        var type = m.IsClientStreaming ? MethodType.ClientStreaming : m.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary;
        var method = new Method<byte[], byte[]>(type, m.Service.FullName, m.Name, RawBytes, RawBytes);
        var invoker = channel.CreateCallInvoker();
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60));
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
                        while (await call.ResponseStream.MoveNext(CancellationToken.None))
                        {
                        }
                    }

                    break;
                default:
                    using (var call = invoker.AsyncClientStreamingCall(method, null, options))
                    {
                        try
                        {
                            await call.RequestStream.WriteAsync(bytes);
                            await call.RequestStream.WriteAsync(bytes);
                            await call.RequestStream.CompleteAsync();
                        }
                        catch (Exception e) when (e is RpcException or InvalidOperationException)
                        {
                            // Answered early; the status is in ResponseAsync.
                        }

                        await call.ResponseAsync;
                    }

                    break;
            }

            return (StatusCode.OK, "");
        }
        catch (RpcException e)
        {
            return (e.StatusCode, e.Status.Detail);
        }
    }

    private static byte[] Frame(byte flag, byte[] message, int? declaredLength = null)
    {
        var length = declaredLength ?? message.Length;
        return [flag, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, .. message];
    }

    private HttpClient Http(GatewayConnection connection)
    {
        _ = connection;
        var pem = X509Certificate2.CreateFromPemFile(Path.Combine(gateway.Pki, "fr-customs.crt"), Path.Combine(gateway.Pki, "fr-customs.key"));
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.ClientCertificates = [certificate];
        handler.SslOptions.RemoteCertificateValidationCallback = gateway.TrustedServer;
        return new HttpClient(handler) { BaseAddress = gateway.Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
    }

    private static async Task<(HttpStatusCode Http, int? Grpc, string Message)> PostAsync(HttpClient http, string path, byte[] body, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body), Version = HttpVersion.Version20 };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        _ = await response.Content.ReadAsByteArrayAsync();
        string? status = null;
        string message = "";
        if (response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) || response.Headers.TryGetValues("grpc-status", out trailer))
        {
            status = trailer.FirstOrDefault();
        }

        if (response.TrailingHeaders.TryGetValues("grpc-message", out var text) || response.Headers.TryGetValues("grpc-message", out text))
        {
            message = Uri.UnescapeDataString(text.FirstOrDefault() ?? "");
        }

        return (response.StatusCode, int.TryParse(status, out var code) ? code : null, message);
    }
}
