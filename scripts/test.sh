#!/usr/bin/env bash
# The one test command (`npm test`): everything CI runs, in order of cost. It installs what the
# tests need that npm does not (cfn-lint from PyPI, the Kafka jars from Maven Central) and starts the real parts the integration tests talk to.
set -euo pipefail
cd "$(dirname "$0")/.."

export CDK_DISABLE_VERSION_CHECK=1
export KAFKAJS_NO_PARTITIONER_WARNING=1
export AWS_REGION="${AWS_REGION:-us-east-1}"

step() { printf '\n=== %s\n' "$*"; }

step "lint and format (biome)"
npx biome check .

step "type-check (tsc, tests included)"
npx tsc --noEmit -p tsconfig.json

step "event schemas: committed exports up to date and backward compatible"
npx tsx scripts/schemas.ts check

step "OpenAPI description: committed openapi/order-api.json matches the zod schemas"
npx tsx scripts/openapi.ts check

step "unit and handler tests with coverage of lambdas/"
npx vitest run --project unit --coverage

step "synthesize the CDK app (built-in CloudFormation validation on)"
rm -rf cdk.out
npx cdk synth --quiet

step "infrastructure assertions and cdk-nag"
npx vitest run --project infra

step "cfn-lint over every synthesized template"
bash scripts/cfn-lint.sh cdk.out

step "checkov over every synthesized template (findings fixed or acknowledged in code)"
bash scripts/checkov.sh cdk.out

step "secrets: none in repository files or in the templates' Lambda environments"
npx tsx scripts/secrets-scan.ts cdk.out

step "headless Chromium for the dashboard test (Debian package)"
command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

step "integration tests against a real Kafka broker and the DynamoDB server"
npx vitest run --project integration

step "reliability scenarios (faults injected into the local mode), then RELIABILITY.md rendered from their figures"
npm run test:reliability

step "benchmarks, quick smoke run: keeps the scripts working (figures in .local/bench-quick, not timed here)"
npm run bench -- --quick
