import { type App, type PolicyViolation, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Runs the AWS Solutions rule pack on every synthesis: `cdk synth` fails on any finding that is
 * not acknowledged in code with `Validations.of(construct).acknowledge({ id, reason })`, next to
 * the construct it is about.
 */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/**
 * Checks a construct tree with the AWS Solutions pack and returns the findings that are not
 * acknowledged (errors and warnings). Tests call it on an app built without the plugin.
 */
export function unacknowledgedNagFindings(scope: IConstruct): PolicyViolation[] {
  return new AwsSolutionsChecks().validateScope(scope).violations;
}

/** One line per finding and resource, for a readable test failure. */
export function formatNagFindings(findings: readonly PolicyViolation[]): string[] {
  return findings.flatMap((finding) =>
    finding.violatingResources.map(
      (resource) =>
        `${finding.severity ?? 'error'} ${finding.ruleName} at ${resource.constructPath}: ${finding.description}`,
    ),
  );
}
