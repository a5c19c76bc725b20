using Gateway.Contracts.V1;
using Gateway.Server.Audit;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Gateway.Tests;

/// <summary>
/// The request summary of an audit record: the request as JSON without its envelope. It is written with the
/// envelope taken off the request and put back, so the request must come out exactly as it went in.
/// </summary>
public sealed class AuditSummaryTests
{
    private readonly AuditEntries entries = new(TimeProvider.System, Options.Create(new AuditOptions()));

    private static RequestContext Envelope() => new()
    {
        LegalBasis = "EU 608/2013 art. 17", CaseReference = "FR-1", OfficerId = "officer-7", StatementOfReasons = "Soupçon",
    };

    [Fact]
    public void The_summary_leaves_out_the_envelope_and_the_request_keeps_it()
    {
        var envelope = Envelope();
        var request = new GetShipmentRequest { Context = envelope, TrackingNumber = "LX100000001CN" };
        request.Subsets.Add(DataSubset.ShipmentParties);
        var before = request.ToByteArray();

        var summary = entries.Summary(request);

        Assert.Equal("""{ "trackingNumber": "LX100000001CN", "subsets": [ "SHIPMENT_PARTIES" ] }""", summary);
        Assert.DoesNotContain("officer-7", summary, StringComparison.Ordinal);
        Assert.Same(envelope, request.Context);
        Assert.Equal(before, request.ToByteArray());
    }

    [Fact]
    public void Summaries_written_one_after_another_on_a_thread_do_not_carry_over()
    {
        var longer = entries.Summary(new GetShipmentRequest { Context = Envelope(), ShipmentId = new string('S', 400) });
        var shorter = entries.Summary(new GetShipmentRequest { Context = Envelope(), ShipmentId = "SHP-1" });
        var none = entries.Summary(new GetShipmentRequest());

        Assert.Equal($$"""{ "shipmentId": "{{new string('S', 400)}}" }""", longer);
        Assert.Equal("""{ "shipmentId": "SHP-1" }""", shorter);
        Assert.Equal("{ }", none);
    }

    [Fact]
    public void A_request_json_cannot_represent_is_summarised_by_its_bytes_without_the_envelope_and_keeps_its_envelope()
    {
        // A Timestamp beyond year 9999: JSON formatting throws, the summary falls back to the wire bytes.
        var envelope = Envelope();
        var request = new QueryAuditRequest { Context = envelope, From = new Timestamp { Seconds = long.MaxValue / 2 }, AgencyId = "de-customs" };

        var summary = entries.Summary(request);

        var withoutEnvelope = request.Clone();
        withoutEnvelope.Context = null;
        Assert.Equal("(not representable as JSON) base64:" + Convert.ToBase64String(withoutEnvelope.ToByteArray()), summary);
        Assert.Same(envelope, request.Context);
    }

    [Fact]
    public void A_stream_and_no_request_have_fixed_summaries()
    {
        Assert.Equal("(stream)", entries.Summary("(client stream)"));
        Assert.Equal("", entries.Summary(null));
    }
}
