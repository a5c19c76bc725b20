#!/usr/bin/env bash
# Generates the Python stubs for the gateway contract from the repository's protos/ into $1 (default: generated/).
# Debian: apt-get install python3-grpcio protobuf-compiler protobuf-compiler-grpc
# (python3-grpc-tools' bundled protoc is 3.5 and refuses proto3 `optional`; Debian's protoc 3.21 accepts it).
# With pip instead: python3 -m grpc_tools.protoc -I"$protos" --python_out="$out" --grpc_python_out="$out" "$protos"/gateway/v1/*.proto
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
protos="$here/../../protos"
out="${1:-$here/generated}"
mkdir -p "$out"
protoc -I"$protos" -I/usr/include --python_out="$out" --grpc_out="$out" \
    --plugin=protoc-gen-grpc="$(command -v grpc_python_plugin)" "$protos"/gateway/v1/*.proto
