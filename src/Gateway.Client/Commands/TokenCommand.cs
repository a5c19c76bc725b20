using System.CommandLine;

namespace Gateway.Client.Commands;

internal static class TokenCommand
{
    public static Command Create(CommonOptions common)
    {
        var scope = new Option<string[]>("--scope") { Description = "Scopes to ask for (default: all granted).", AllowMultipleArgumentsPerToken = true };
        var token = new Command("token", "Fetch an access token bound to your certificate and print it.") { scope };
        token.SetAction(async (r, ct) =>
        {
            using var connection = common.Connect(r);
            var response = await connection.RequestTokenAsync(r.GetValue(scope), ct);
            Console.WriteLine(response.AccessToken);
            await Console.Error.WriteLineAsync($"expires in {response.ExpiresIn} s");
            return 0;
        });
        return token;
    }
}
