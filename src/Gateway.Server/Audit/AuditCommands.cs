using System.CommandLine;
using Gateway.Server.Admin;
using Gateway.Server.Data;
using Microsoft.Data.Sqlite;
using Spectre.Console;

namespace Gateway.Server.Audit;

/// <summary>
/// `gateway audit verify [--connection "Data Source=copy.db"] [--certificate token-signing.crt]`:
/// the DPO's offline check. Needs the database (or a copy) and the signing certificate only — no
/// private key, no running gateway. Exit code 0 = intact, 1 = tampered (first bad sequence printed),
/// 2 = could not verify.
/// </summary>
internal static class AuditCommands
{
    public const int Intact = 0;
    public const int Tampered = 1;
    public const int CannotVerify = 2;

    public static Command Create()
    {
        var connection = new Option<string?>("--connection") { Description = "Connection string of the database (or copy) to verify; default: the configured one." };
        var certificate = new Option<string?>("--certificate") { Description = "PEM certificate(s) whose key signed the checkpoints; default: the configured signing certificate." };
        var verify = new Command("verify", "Verify the audit hash chain and its signed checkpoints; prints the first bad sequence.") { connection, certificate };
        verify.TreatUnmatchedTokensAsErrors = false;
        verify.SetAction(async (result, ct) =>
        {
            var args = result.UnmatchedTokens.ToList();
            if (result.GetValue(connection) is { } cs)
            {
                if (!SqliteFileExists(cs))
                {
                    AnsiConsole.MarkupLineInterpolated($"[red]No database at {cs}.[/]");
                    return CannotVerify;
                }

                args.Add($"--{StorageOptions.Section}:ConnectionString={cs}");
            }

            using var host = AdminHost.Create(args);
            var configuration = host.Services.GetRequiredService<IConfiguration>();
            var certificatePath = result.GetValue(certificate) ?? AuditKeys.Paths(configuration).Certificate;
            AuditVerification verification;
            try
            {
                verification = await AuditVerifier.VerifyAsync(host.Services.GetRequiredService<Database>(), AuditKeys.PublicKeys(certificatePath), ct);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or IOException or System.Security.Cryptography.CryptographicException or InvalidOperationException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]Cannot verify: {e.Message}[/]");
                return CannotVerify;
            }

            if (verification.Ok)
            {
                AnsiConsole.MarkupLineInterpolated($"[green]Audit log intact: {verification.RecordsChecked} record(s), chain and signed checkpoints verified.[/]");
                return Intact;
            }

            AnsiConsole.MarkupLineInterpolated($"[red]Audit log NOT intact. First bad sequence: {verification.FirstBadSequence}[/] ({verification.Detail}; {verification.RecordsChecked} record(s) verified before it)");
            Console.WriteLine($"first_bad_sequence={verification.FirstBadSequence}");
            return Tampered;
        });
        return new Command("audit", "The audit log.") { verify };
    }

    /// <summary>SQLite would silently create an empty file where a copy was expected.</summary>
    private static bool SqliteFileExists(string connectionString)
    {
        try
        {
            var source = new SqliteConnectionStringBuilder(connectionString).DataSource;
            return string.IsNullOrEmpty(source) || source == ":memory:" || File.Exists(Path.GetFullPath(source));
        }
        catch (ArgumentException)
        {
            return true; // Not a SQLite connection string: let the provider judge it.
        }
    }
}
