namespace Gateway.Server.Hardening;

internal static class HardeningSetup
{
    /// <summary>After authorization: an unauthenticated caller gets 401, not a decoding verdict on its payload.</summary>
    public static WebApplication UseMalformedRequestRefusal(this WebApplication app)
    {
        app.UseMiddleware<MalformedRequestMiddleware>();
        return app;
    }
}
