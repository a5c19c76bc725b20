#!/usr/bin/python3
"""An agency's first authorised call to the gateway, with nothing but grpcio and the standard library.

1. Gets a certificate-bound access token (OAuth 2.0 client_credentials, RFC 8705): the client
   authenticates with its certificate over mutual TLS; no secret exists.
2. Calls gateway.v1.ShipmentService/GetShipment over mutual TLS with that token, and prints the shipment.

Stubs are generated from the repository's protos/ (see README.md); pass their folder with --stubs.
"""
import argparse
import json
import ssl
import sys
import urllib.parse
import urllib.request


def get_token(address, cert, key, ca, client_id):
    """POST /connect/token over mutual TLS; the token is bound to this certificate (cnf.x5t#S256)."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca)
    context.load_cert_chain(certfile=cert, keyfile=key)
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id}).encode()
    request = urllib.request.Request(f"https://{address}/connect/token", data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, context=context, timeout=30) as response:
        return json.load(response)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--address", default="localhost:7443", help="host:port of the gateway (its certificate names the host)")
    parser.add_argument("--cert", required=True, help="the agency's certificate (PEM)")
    parser.add_argument("--key", required=True, help="the agency's private key (PEM)")
    parser.add_argument("--ca", required=True, help="the CA that issued the gateway's certificate (PEM)")
    parser.add_argument("--client-id", required=True, help="the agency's client id, e.g. fr-customs")
    parser.add_argument("--tracking-number", required=True)
    parser.add_argument("--legal-basis", required=True, help='e.g. "EU 608/2013 art. 17"')
    parser.add_argument("--case", required=True, help="the agency's case reference")
    parser.add_argument("--subsets", nargs="*", default=["SHIPMENT_CORE"], help="data subsets, e.g. SHIPMENT_CORE SHIPMENT_PARTIES")
    parser.add_argument("--stubs", default="generated", help="folder holding the generated gateway/v1/*_pb2*.py")
    args = parser.parse_args()

    sys.path.insert(0, args.stubs)
    import grpc
    from google.protobuf import json_format
    from gateway.v1 import common_pb2, shipments_pb2, shipments_pb2_grpc

    token = get_token(args.address, args.cert, args.key, args.ca, args.client_id)
    print(f"token: {token['token_type']} for {token.get('scope', '')}, expires in {token['expires_in']} s", file=sys.stderr)

    with open(args.ca, "rb") as f:
        ca = f.read()
    with open(args.key, "rb") as f:
        key = f.read()
    with open(args.cert, "rb") as f:
        cert = f.read()
    # The same certificate on the gRPC connection: a token replayed from another connection is refused.
    credentials = grpc.composite_channel_credentials(
        grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=cert),
        grpc.access_token_call_credentials(token["access_token"]))

    with grpc.secure_channel(args.address, credentials) as channel:
        client = shipments_pb2_grpc.ShipmentServiceStub(channel)
        request = shipments_pb2.GetShipmentRequest(
            context=common_pb2.RequestContext(legal_basis=args.legal_basis, case_reference=args.case),
            tracking_number=args.tracking_number,
            subsets=[common_pb2.DataSubset.Value(s) for s in args.subsets])
        try:
            shipment = client.GetShipment(request, timeout=30)
        except grpc.RpcError as e:
            print(f"{e.code().name}: {e.details()}", file=sys.stderr)
            return 1

    print(json_format.MessageToJson(shipment, preserving_proto_field_name=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
