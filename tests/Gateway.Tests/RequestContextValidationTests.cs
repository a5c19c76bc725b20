using Gateway.Contracts.V1;
using Gateway.Server.Grpc;
using Google.Rpc;
using Grpc.Core;

namespace Gateway.Tests;

public sealed class RequestContextValidationTests
{
    private static RequestContext Valid() => new() { LegalBasis = "Code des douanes art. 65", CaseReference = "C-1" };

    private static IEnumerable<string> Violations(RequestContext? context)
    {
        var e = Assert.Throws<RpcException>(() => CallerInterceptor.Validate(context));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        return e.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(v => v.Field);
    }

    [Fact]
    public void A_complete_context_passes() => CallerInterceptor.Validate(Valid());

    [Fact]
    public void A_missing_context_names_both_required_fields() =>
        Assert.Equal(["context.legal_basis", "context.case_reference"], Violations(null));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    public void A_blank_legal_basis_is_refused(string blank)
    {
        var context = Valid();
        context.LegalBasis = blank;
        Assert.Equal(["context.legal_basis"], Violations(context));
    }

    [Fact]
    public void A_case_reference_is_at_most_64_characters()
    {
        var context = Valid();
        context.CaseReference = new string('x', 64);
        CallerInterceptor.Validate(context);
        context.CaseReference = new string('x', 65);
        Assert.Equal(["context.case_reference"], Violations(context));
    }

    [Fact]
    public void Oversized_optional_fields_are_refused()
    {
        var context = Valid();
        context.OfficerId = new string('o', CallerInterceptor.MaxOfficerIdLength + 1);
        context.StatementOfReasons = new string('s', CallerInterceptor.MaxStatementLength + 1);
        Assert.Equal(["context.officer_id", "context.statement_of_reasons"], Violations(context));
    }
}
