using Gateway.Contracts.V1;
using Grpc.Core;

namespace Gateway.IntegrationTests;

/// <summary>gateway-client's channel keeps one header string per token; it must still send the token its source gives now.</summary>
public sealed class ClientTokenTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    [Fact]
    public async Task A_channel_sends_the_current_token_on_every_call_when_the_token_changes()
    {
        using var fr = gateway.Connect("fr-customs");
        var first = (await fr.RequestTokenAsync()).AccessToken!;
        string? current = first;
        using var channel = fr.CreateChannel(_ => Task.FromResult<string?>(current));
        var client = new ShipmentService.ShipmentServiceClient(channel);
        Task<Shipment> Call() => client.GetShipmentAsync(Calls.ByTracking("LX100000001CN")).ResponseAsync;

        Assert.Equal("SHP-DEMO-0001", (await Call()).ShipmentId);

        // A token whose signature no longer matches: refused, so the new value was sent, not the cached header.
        current = first[..^4] + (first.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(Call)).StatusCode);

        current = (await fr.RequestTokenAsync()).AccessToken!;
        Assert.NotEqual(first, current);
        Assert.Equal("SHP-DEMO-0001", (await Call()).ShipmentId);

        current = null;
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(Call)).StatusCode);
    }
}
