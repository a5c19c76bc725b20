using Gateway.Contracts.V1;

namespace Gateway.Server.Grpc;

// The whole contract is served from the first release so clients can be generated against it;
// RPCs not built yet answer UNIMPLEMENTED (the generated base classes do exactly that), after
// authentication and the scope check like every other call.
internal sealed class SellerServiceEndpoint : SellerService.SellerServiceBase;

internal sealed class SeizureServiceEndpoint : SeizureService.SeizureServiceBase;

internal sealed class LeadServiceEndpoint : LeadService.LeadServiceBase;

internal sealed class EnforcementFeedServiceEndpoint : EnforcementFeedService.EnforcementFeedServiceBase;

internal sealed class AuditServiceEndpoint : AuditService.AuditServiceBase;
