#!/bin/bash
# Seeds 1,000,000 shipments into a fresh folder, serves them, and times gateway-client exports per agency (docs/performance.md).
set -e
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
dotnet build -c Release "$ROOT/src/Gateway.Server" >/dev/null && dotnet build -c Release "$ROOT/src/Gateway.Client" >/dev/null
WORK="${WORK:-$(mktemp -d)}" && cd "$WORK"
S=$ROOT/src/Gateway.Server/bin/Release/net10.0/gateway.dll
C=$ROOT/src/Gateway.Client/bin/Release/net10.0/gateway-client.dll
echo "seed start $(date +%T)"
/usr/bin/time -f "seed: %e s elapsed, %M KB max RSS" dotnet $S seed --sellers 20000 --shipments 1000000 --seed 1 > seed.log 2>&1
tail -3 seed.log
ls -la data/
dotnet $S serve --Gateway:Listen:Port=17443 --Gateway:Listen:AdminPort=17080 --Gateway:Auth:Issuer=https://localhost:17443/ > serve.log 2>&1 &
SP=$!
for i in $(seq 1 120); do curl -s http://127.0.0.1:17080/healthz | grep -q Healthy && break; sleep 1; done
echo "serving after ${i}s"
for agency in fr-customs de-customs; do
  echo "export $agency start $(date +%T)"
  /usr/bin/time -f "export $agency: %e s elapsed, %M KB client max RSS" dotnet $C --address https://localhost:17443/ --cert certs/dev/$agency.crt --key certs/dev/$agency.key --ca certs/dev/ca.crt --client-id $agency --legal-basis "EU 608/2013 art. 17" --case PERF-1M shipments export --format ndjson --out $agency.ndjson > export-$agency.log 2>&1 || tail -5 export-$agency.log
  wc -l $agency.ndjson
done
echo "server VmHWM: $(grep VmHWM /proc/$SP/status)"
kill $SP
for c in FR DE; do echo "$c in jurisdiction: $(sqlite3 data/gateway.db "select count(distinct shipment_id) from shipment_countries where country='$c'" 2>/dev/null)"; done
