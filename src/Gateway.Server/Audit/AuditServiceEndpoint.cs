using Gateway.Contracts.V1;
using Gateway.Server.Data;
using Gateway.Server.Grpc;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Gateway.Server.Audit;

/// <summary>AuditService for oversight bodies (scope audit:read). These calls are audited like any other.</summary>
internal sealed class AuditServiceEndpoint(AuditStore store, Database database, IConfiguration configuration) : AuditService.AuditServiceBase
{
    private const int PageSize = 500;

    public override async Task QueryAudit(QueryAuditRequest request, IServerStreamWriter<AuditRecord> responseStream, ServerCallContext context)
    {
        DateTime? from = request.From?.ToDateTime();
        DateTime? to = request.To?.ToDateTime();
        if (from is not null && to is not null && from >= to)
        {
            throw RpcErrors.InvalidArgument("The time range is empty.", ("to", "Must be after from."));
        }

        long after = 0;
        while (true)
        {
            var page = await store.QueryAsync(after, from, to, request.AgencyId, request.CaseReference, PageSize, context.CancellationToken);
            foreach (var row in page)
            {
                await responseStream.WriteAsync(ToContract(row), context.CancellationToken);
                context.AuditReturned(row.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            if (page.Count < PageSize)
            {
                return;
            }

            after = page[^1].Sequence;
        }
    }

    public override async Task<VerifyAuditResponse> VerifyAudit(VerifyAuditRequest request, ServerCallContext context)
    {
        var (certificate, _) = AuditKeys.Paths(configuration);
        var result = await AuditVerifier.VerifyAsync(database, AuditKeys.PublicKeys(certificate), context.CancellationToken);
        return new VerifyAuditResponse
        {
            Ok = result.Ok,
            RecordsChecked = result.RecordsChecked,
            FirstBadSequence = result.FirstBadSequence,
            Detail = result.Detail,
        };
    }

    public static AuditRecord ToContract(AuditRecordRow row) => new()
    {
        Sequence = row.Sequence,
        Time = Timestamp.FromDateTime(DateTime.SpecifyKind(row.Time, DateTimeKind.Utc)),
        AgencyId = row.AgencyId,
        ClientId = row.ClientId,
        CertificateThumbprint = row.CertificateThumbprint,
        OfficerId = row.OfficerId,
        Rpc = row.Rpc,
        LegalBasis = row.LegalBasis,
        CaseReference = row.CaseReference,
        StatementOfReasons = row.StatementOfReasons,
        RequestSummary = row.RequestSummary,
        StatusCode = row.StatusCode,
        RecordsReturned = row.RecordsReturned,
        RecordsDigest = row.RecordsDigest,
        PreviousHash = row.PreviousHash,
        Hash = row.Hash,
    };
}
