#!/usr/bin/env bash
# The fast loop before pushing (`npm run test:fast`): the steps of `npm test` (scripts/test.sh)
# that need nothing but node_modules, with the same commands: lint, types, the schema and OpenAPI
# checks, unit tests, then synth and the infrastructure tests. cfn-lint and checkov over cdk.out,
# the secrets scan, the integration and reliability tests and the benchmarks stay in `npm test`.
#
# The steps run in three lanes side by side, each in the order of scripts/test.sh: on a 2-core
# machine vitest runs one worker and tsc one thread, so one lane after another leaves a core idle.
#   checks          biome, schema and OpenAPI checks, unit tests with coverage
#   types           tsc, tests included (incremental: its build info in .local/test-fast)
#   infrastructure  cdk synth, then the infra tests (the longest lane)
# Output is prefixed with the lane and kept in .local/test-fast/<lane>.log; the first lane that
# fails stops the others. `scripts/test-fast.sh <lane>` runs one lane alone.
set -euo pipefail
cd "$(dirname "$0")/.."

export CDK_DISABLE_VERSION_CHECK=1
export KAFKAJS_NO_PARTITIONER_WARNING=1
export AWS_REGION="${AWS_REGION:-us-east-1}"

LOG_DIR=.local/test-fast
LANES=(checks types infrastructure)

step() { printf '\n=== %s\n' "$1"; }

checks() {
  step "lint and format (biome)"
  npx biome check .

  step "event schemas: committed exports up to date and backward compatible"
  npx tsx scripts/schemas.ts check

  step "OpenAPI description: committed openapi/order-api.json matches the zod schemas"
  npx tsx scripts/openapi.ts check

  step "unit and handler tests with coverage of lambdas/"
  npx vitest run --project unit --coverage
}

types() {
  step "type-check (tsc, tests included)"
  # The same check as npm test; the build info only lets an unchanged file skip being checked again.
  npx tsc --noEmit -p tsconfig.json --incremental --tsBuildInfoFile "$LOG_DIR/tsconfig.tsbuildinfo"
}

infrastructure() {
  step "synthesize the CDK app (built-in CloudFormation validation on)"
  rm -rf cdk.out
  npx cdk synth --quiet

  step "infrastructure assertions and cdk-nag"
  # Two workers although the machine has two cores: the CLI synth test, the longest, mostly waits
  # for its cdk child process, and the other files run beside it.
  npx vitest run --project infra --maxWorkers=2
}

mkdir -p "$LOG_DIR"
case "${1:-all}" in
  checks | types | infrastructure)
    "$1"
    exit 0
    ;;
  all) ;;
  *)
    echo "Usage: scripts/test-fast.sh [checks|types|infrastructure]" >&2
    exit 2
    ;;
esac

started=$SECONDS
declare -A pid_of lane_of result seconds
for lane in "${LANES[@]}"; do
  # Each lane in its own session, so the whole lane (npx, cdk, vitest workers) stops as one group.
  setsid bash "$0" "$lane" > >(tee "$LOG_DIR/$lane.log" | sed -u "s/^/[$lane] /") 2>&1 &
  pid_of[$lane]=$!
  lane_of[$!]=$lane
done
stop_lanes() {
  for lane in "${LANES[@]}"; do
    if [ -z "${result[$lane]:-}" ]; then kill -TERM -- "-${pid_of[$lane]}" 2>/dev/null || true; fi
  done
}
trap 'stop_lanes; exit 130' INT TERM

failed=''
pending=("${pid_of[@]}")
while [ "${#pending[@]}" -gt 0 ]; do
  status=0
  wait -n -p finished "${pending[@]}" || status=$?
  lane=${lane_of[$finished]}
  seconds[$lane]=$((SECONDS - started))
  if [ "$status" -eq 0 ]; then
    result[$lane]=passed
  elif [ -n "$failed" ]; then
    result[$lane]=stopped
  else
    # The first failure is the one to fix; the rest of the run would only cost time.
    failed=$lane
    result[$lane]=FAILED
    stop_lanes
  fi
  pending=()
  for lane in "${LANES[@]}"; do
    if [ -z "${result[$lane]:-}" ]; then pending+=("${pid_of[$lane]}"); fi
  done
done
# The prefixing pipes finish writing.
wait

printf '\n=== test:fast, %ss in all:' "$((SECONDS - started))"
for lane in "${LANES[@]}"; do printf ' %s %s after %ss;' "$lane" "${result[$lane]}" "${seconds[$lane]}"; done
printf '\n'
if [ -n "$failed" ]; then
  echo "See $LOG_DIR/$failed.log" >&2
  exit 1
fi
