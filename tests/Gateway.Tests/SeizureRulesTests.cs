using Gateway.Contracts.V1;
using Gateway.Server.Seizures;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Gateway.Tests;

public sealed class WorkingDaysTests
{
    private static readonly HashSet<DateOnly> None = [];

    private static DateOnly D(int year, int month, int day) => new(year, month, day);

    [Fact]
    public void Ten_working_days_from_a_monday_skip_two_weekends()
    {
        // Mon 2026-11-02 → Mon 2026-11-16.
        Assert.Equal(D(2026, 11, 16), WorkingDays.Add(D(2026, 11, 2), 10, None));
    }

    [Fact]
    public void A_detention_on_a_weekend_counts_from_the_next_monday()
    {
        // Sat 2026-11-07 and Sun 2026-11-08 both end on Fri 2026-11-20, like Fri 2026-11-06 evening + 1 day.
        Assert.Equal(D(2026, 11, 20), WorkingDays.Add(D(2026, 11, 7), 10, None));
        Assert.Equal(D(2026, 11, 20), WorkingDays.Add(D(2026, 11, 8), 10, None));
        Assert.Equal(D(2026, 11, 20), WorkingDays.Add(D(2026, 11, 6), 10, None));
    }

    [Fact]
    public void Holidays_are_skipped()
    {
        // Wed 2026-11-11 (Armistice, FR) inside the window pushes the deadline by one working day.
        HashSet<DateOnly> fr = [D(2026, 11, 11)];
        Assert.Equal(D(2026, 11, 17), WorkingDays.Add(D(2026, 11, 2), 10, fr));
    }

    [Fact]
    public void A_holiday_on_a_weekend_changes_nothing()
    {
        // Sat 2026-11-14 is a weekend day anyway.
        HashSet<DateOnly> holidays = [D(2026, 11, 14)];
        Assert.Equal(WorkingDays.Add(D(2026, 11, 2), 10, None), WorkingDays.Add(D(2026, 11, 2), 10, holidays));
    }

    [Fact]
    public void The_year_boundary_with_christmas_and_new_year()
    {
        // Fri 2026-12-18; 25 Dec (Fri) and 1 Jan (Fri) are holidays:
        // 21,22,23,24, 28,29,30,31, 4,5 January → Tue 2027-01-05.
        HashSet<DateOnly> holidays = [D(2026, 12, 25), D(2027, 1, 1)];
        Assert.Equal(D(2027, 1, 5), WorkingDays.Add(D(2026, 12, 18), 10, holidays));
        Assert.Equal(D(2027, 1, 1), WorkingDays.Add(D(2026, 12, 18), 10, None));
    }

    [Fact]
    public void The_deadline_keeps_the_time_of_day_in_utc()
    {
        var due = WorkingDays.HolderResponseDue(new DateTime(2026, 11, 2, 14, 30, 0, DateTimeKind.Utc), None);
        Assert.Equal(new DateTime(2026, 11, 16, 14, 30, 0, DateTimeKind.Utc), due);
        Assert.Equal(DateTimeKind.Utc, due.Kind);
    }

    [Fact]
    public void Bad_holiday_settings_stop_the_start()
    {
        var options = new SeizureOptions { ExclusionStrikeThreshold = 0 };
        options.Holidays["FR"] = ["2026-12-25", "25/12/2026"];
        options.Holidays["France"] = [];
        var result = new SeizureOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Equal(3, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.Contains("'25/12/2026'", StringComparison.Ordinal));
    }
}

public sealed class SeizureLifecycleTests
{
    public static TheoryData<SeizureStatus, SeizureStatus> AllPairs()
    {
        var data = new TheoryData<SeizureStatus, SeizureStatus>();
        var statuses = System.Enum.GetValues<SeizureStatus>().Where(s => s != SeizureStatus.Unspecified).ToList();
        foreach (var from in statuses)
        {
            foreach (var to in statuses)
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Only_the_four_forward_transitions_are_allowed(SeizureStatus from, SeizureStatus to)
    {
        (SeizureStatus, SeizureStatus)[] allowed =
        [
            (SeizureStatus.Detained, SeizureStatus.ConfirmedCounterfeit),
            (SeizureStatus.Detained, SeizureStatus.Released),
            (SeizureStatus.ConfirmedCounterfeit, SeizureStatus.Destroyed),
            (SeizureStatus.ConfirmedCounterfeit, SeizureStatus.InProceedings),
        ];
        Assert.Equal(allowed.Contains((from, to)), SeizureLifecycle.IsAllowed(from, to));
    }

    [Fact]
    public void Stored_names_are_the_contract_names()
    {
        Assert.Equal("CONFIRMED_COUNTERFEIT", ContractNames<SeizureStatus>.Name(SeizureStatus.ConfirmedCounterfeit));
        Assert.Equal(SeizureStatus.InProceedings, ContractNames<SeizureStatus>.Parse("IN_PROCEEDINGS"));
        Assert.Equal("EXCLUSION_RECOMMENDED", ContractNames<EnforcementEventKind>.Name(EnforcementEventKind.ExclusionRecommended));
        Assert.False(ContractNames<SeizureStatus>.IsSet(SeizureStatus.Unspecified));
        Assert.False(ContractNames<SeizureStatus>.IsSet((SeizureStatus)42));
    }

    [Fact]
    public void Page_tokens_round_trip_and_garbage_is_refused()
    {
        var created = new DateTime(2026, 11, 2, 8, 0, 0, DateTimeKind.Utc).AddTicks(1234567);
        Assert.True(PageTokens.TryDecode(PageTokens.Encode(created, "abc"), out var position));
        Assert.Equal((created, "abc"), position);
        Assert.False(PageTokens.TryDecode("not a token", out _));
        Assert.False(PageTokens.TryDecode(System.Buffers.Text.Base64Url.EncodeToString("s9|1|a"u8), out _));
        Assert.False(PageTokens.TryDecode(System.Buffers.Text.Base64Url.EncodeToString("s1|-1|a"u8), out _));
        Assert.True(PageTokens.TryDecode(System.Buffers.Text.Base64Url.EncodeToString("s1|1|a"u8), out _));
    }
}

public sealed class SeizureValidationTests
{
    private static readonly DateTime Now = new(2026, 11, 24, 10, 0, 0, DateTimeKind.Utc);

    private static ReportSeizureRequest Valid() => new()
    {
        RequestId = "3F2C1D4E-8A9B-4C7D-9E0F-112233445566",
        Seizure = new Seizure
        {
            TrackingNumber = "LX100000001CN",
            CustomsOffice = "FR000730",
            DetainedAt = Timestamp.FromDateTime(Now.AddHours(-2)),
            Procedure = SeizureProcedure.SmallConsignment,
            Items = { new SeizedItem { Brand = "Gucci", Category = "handbags", Quantity = 3, InfringementType = InfringementType.Trademark,
                EstimatedValue = new Money { AmountMinor = 450000, Currency = "EUR" } } },
        },
    };

    [Fact]
    public void A_valid_report_is_normalised()
    {
        var report = SeizureValidation.ValidateReport(Valid(), Now);
        Assert.Equal("3f2c1d4e-8a9b-4c7d-9e0f-112233445566", report.RequestId);
        Assert.Equal("TRADEMARK", report.Items.Single().InfringementType);
        Assert.Null(report.LeadId);
    }

    [Fact]
    public void Everything_wrong_is_reported_at_once()
    {
        var request = Valid();
        request.RequestId = "not-a-uuid";
        request.Seizure.ClearShipmentRef();
        request.Seizure.DetainedAt = Timestamp.FromDateTime(Now.AddHours(1));
        request.Seizure.Procedure = SeizureProcedure.Unspecified;
        request.Seizure.CustomsOffice = "";
        request.Seizure.Items.Add(new SeizedItem { Brand = "Rolex", Category = "watches", Quantity = 0, EstimatedValue = new Money { Currency = "eur" } });

        var e = Assert.Throws<RpcException>(() => SeizureValidation.ValidateReport(request, Now));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var fields = e.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>().FieldViolations.Select(v => v.Field).ToList();
        Assert.Equal(
            ["request_id", "seizure.shipment_ref", "seizure.customs_office", "seizure.detained_at", "seizure.procedure",
             "seizure.items[1].quantity", "seizure.items[1].infringement_type", "seizure.items[1].estimated_value.currency"],
            fields);
    }

    [Fact]
    public void A_detention_a_little_ahead_of_our_clock_is_tolerated()
    {
        var request = Valid();
        request.Seizure.DetainedAt = Timestamp.FromDateTime(Now.AddMinutes(4));
        SeizureValidation.ValidateReport(request, Now);
    }

    [Fact]
    public void The_fingerprint_ignores_output_only_fields_but_not_the_payload()
    {
        var a = Valid().Seizure;
        var b = a.Clone();
        b.SeizureId = "x";
        b.Status = SeizureStatus.Released;
        b.AgencyId = "someone";
        Assert.Equal(SeizureValidation.Fingerprint(a), SeizureValidation.Fingerprint(b));
        b.Items[0].Quantity = 4;
        Assert.NotEqual(SeizureValidation.Fingerprint(a), SeizureValidation.Fingerprint(b));
    }
}
