using Gateway.Contracts.V1;

namespace Gateway.Server.Grpc;

// The whole contract is served from the first release so clients can be generated against it;
// RPCs not built yet answer UNIMPLEMENTED (the generated base classes do exactly that), after
// authentication and the scope check like every other call.

internal sealed class IngestServiceEndpoint : IngestService.IngestServiceBase;

