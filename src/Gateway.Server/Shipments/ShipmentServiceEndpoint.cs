using System.Data.Common;
using System.Threading.Channels;
using Gateway.Contracts.V1;
using Gateway.Server.Audit;
using Gateway.Server.Grpc;
using Google.Protobuf;
using Grpc.Core;

namespace Gateway.Server.Shipments;

internal sealed partial class ShipmentServiceEndpoint(ShipmentQueries queries, ShipmentExportReader export, PageTokens tokens, ILogger<ShipmentServiceEndpoint> log)
    : ShipmentServiceContract
{
    public const int MaxKeyLength = 64;

    public override async Task<EncodedShipment> GetShipment(GetShipmentRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var (key, value) = request.KeyCase switch
        {
            GetShipmentRequest.KeyOneofCase.ShipmentId => (ShipmentQueries.Key.ShipmentId, request.ShipmentId),
            GetShipmentRequest.KeyOneofCase.TrackingNumber => (ShipmentQueries.Key.TrackingNumber, request.TrackingNumber),
            GetShipmentRequest.KeyOneofCase.Mrn => (ShipmentQueries.Key.Mrn, request.Mrn),
            _ => throw RpcErrors.InvalidArgument("A shipment key is required.",
                ("key", "Set exactly one of shipment_id, tracking_number or mrn.")),
        };
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxKeyLength)
        {
            var field = GetShipmentRequest.Descriptor.FindFieldByNumber((int)request.KeyCase).Name;
            throw RpcErrors.InvalidArgument("The shipment key is invalid.", (field, $"Must be 1 to {MaxKeyLength} characters."));
        }

        var subsets = DataSubsets.Resolve(caller, request.Subsets, DataSubset.ShipmentCore);
        var shipment = await export.FindAsync(key, value.Trim(), caller.Agency.Jurisdictions, subsets, context.CancellationToken)
            ?? throw RpcErrors.NotFound("Shipment");

        context.AuditReturned(shipment.Id);
        return shipment;
    }

    public override async Task<SearchShipmentsResponse> SearchShipments(SearchShipmentsRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        // Validate everything before reading anything: bad input gets a clear status and costs no query.
        var subsets = DataSubsets.Resolve(caller, request.Subsets, DataSubset.ShipmentCore);
        var criteria = ShipmentCriteria.From(request.Filter);
        var pageSize = ShipmentCriteria.Size(request.PageSize, ShipmentCriteria.DefaultPageSize, ShipmentCriteria.MaxPageSize, "page_size");
        var filterHash = criteria.Hash();
        var after = Position(request.PageToken, "page_token", caller, filterHash);

        await using var connection = await queries.OpenAsync(context.CancellationToken);
        // One row more than the page tells whether another page exists, so the last page has no token.
        var rows = await queries.PageAsync(connection, criteria, caller.Agency.Jurisdictions, after, pageSize + 1, context.CancellationToken);
        var page = rows.Count > pageSize ? rows.Take(pageSize).ToList() : rows;
        var response = new SearchShipmentsResponse();
        response.Shipments.AddRange(await ToContractsAsync(connection, page, subsets, context.CancellationToken));
        context.AuditReturned(page.Select(r => r.ShipmentId));
        if (rows.Count > pageSize)
        {
            response.NextPageToken = tokens.Encode(caller.Agency.Id, filterHash, page[^1].ShipmentId);
        }

        return response;
    }

    /// <summary>
    /// One keyset query per batch on a fresh pooled connection: memory holds a couple of batches whatever
    /// the size of the export, no read transaction stays open for the duration of a long download, and
    /// a cancelled call stops between batches or inside the running query. The next batch is read while
    /// the previous one is sent (a bounded channel of one), so the database read and the HTTP/2/TLS work
    /// run on both cores instead of taking turns. Batches are pre-encoded ShipmentBatch messages
    /// (<see cref="ShipmentBatchEncoder"/>), sent through <see cref="EncodedShipmentBatch.Marshaller"/>
    /// (see <see cref="ShipmentServiceContract"/>); clients decode them as the generated ShipmentBatch.
    /// </summary>
    public override async Task ExportShipments(ExportShipmentsRequest request, IServerStreamWriter<EncodedShipmentBatch> responseStream, ServerCallContext context)
    {
        var caller = context.Caller();
        var subsets = DataSubsets.Resolve(caller, request.Subsets, DataSubset.ShipmentCore);
        var criteria = ShipmentCriteria.From(request.Filter);
        var batchSize = ShipmentCriteria.Size(request.BatchSize, ShipmentCriteria.DefaultBatchSize, ShipmentCriteria.MaxBatchSize, "batch_size");
        var filterHash = criteria.Hash();
        var after = Position(request.ResumeToken, "resume_token", caller, filterHash);
        var agencyId = caller.Agency.Id;
        Func<string, string> resumeToken = last => tokens.Encode(agencyId, filterHash, last);

        // The reader stops when the call ends (client gone, deadline) or when the writer stops for any reason.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var batches = Channel.CreateBounded<EncodedShipmentBatch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    // The connection goes back to the pool before the batch is queued: a slow reader holds no database resources.
                    var batch = await export.ReadAsync(criteria, caller.Agency.Jurisdictions, after, batchSize, subsets, resumeToken, stop.Token);
                    if (batch is null)
                    {
                        break;
                    }

                    after = batch.Ids[^1];
                    if (!batches.Writer.TryWrite(batch))
                    {
                        try
                        {
                            await batches.Writer.WriteAsync(batch, stop.Token);
                        }
                        catch
                        {
                            batch.Dispose();
                            throw;
                        }
                    }

                    if (batch.Count < batchSize)
                    {
                        break;
                    }
                }

                batches.Writer.TryComplete();
            }
            catch (Exception e)
            {
                batches.Writer.TryComplete(e);
            }
        }, CancellationToken.None);

        long sent = 0;
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(context.CancellationToken))
            {
                using (batch)
                {
                    await responseStream.WriteAsync(batch, context.CancellationToken);
                    // Only what was handed to the transport counts as returned, in the order sent.
                    context.AuditReturned(batch.Ids);
                    sent += batch.Count;
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await producer;
            // A batch read but never sent goes back to the pool too.
            while (batches.Reader.TryRead(out var unsent))
            {
                unsent.Dispose();
            }
        }

        LogExported(caller.Agency.Id, sent, request.ResumeToken.Length > 0);
    }

    /// <summary>The last shipment id of the previous page, or null for the first page.</summary>
    private string? Position(string token, string field, Caller caller, byte[] filterHash)
    {
        if (token.Length == 0)
        {
            return null;
        }

        return tokens.TryDecode(token, caller.Agency.Id, filterHash, out var after)
            ? after
            : throw RpcErrors.InvalidArgument($"The {field} is not valid for this request.",
                (field, "Not a token issued to this agency for this filter (or it was altered). Repeat the request with the same filter, or start without a token."));
    }

    /// <summary>Rows → contract for a whole page or batch: goods and listings with one query each (IN list), not one per shipment.</summary>
    private async Task<List<Shipment>> ToContractsAsync(DbConnection connection, IReadOnlyList<ShipmentRow> rows, IReadOnlySet<DataSubset> subsets, CancellationToken cancellationToken)
    {
        var ids = rows.Select(r => r.ShipmentId).ToList();
        var goods = subsets.Contains(DataSubset.ShipmentCore) && ids.Count > 0
            ? (await queries.GoodsAsync(connection, ids, cancellationToken)).ToLookup(g => g.ShipmentId, StringComparer.Ordinal)
            : null;
        var listings = subsets.Contains(DataSubset.Listings) && ids.Count > 0
            ? (await queries.ListingsAsync(connection, ids, cancellationToken)).ToLookup(l => l.ShipmentId, StringComparer.Ordinal)
            : null;
        return rows.Select(row => ShipmentMapping.ToContract(row,
            goods?[row.ShipmentId] ?? [], listings?[row.ShipmentId] ?? [], subsets)).ToList();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Export for {AgencyId}: {Count} shipments streamed (resumed: {Resumed})")]
    private partial void LogExported(string agencyId, long count, bool resumed);
}
