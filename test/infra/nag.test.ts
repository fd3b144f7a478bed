import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { formatNagFindings, unacknowledgedNagFindings } from '../../lib/nag';
import { synthPipeline } from './synth';

/** Every `Validations.of(x).acknowledge(...)` in the tree, with where it was made. */
function acknowledgments(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, value]) => ({
          path: construct.node.path,
          id,
          reason: typeof value === 'string' ? value : JSON.stringify(value),
        })),
      ),
  );
}

describe.each(['dev', 'prod'] as const)('cdk-nag AwsSolutions over the whole %s app', (stage) => {
  // Prepare
  const { app } = synthPipeline(stage);

  it('has no unacknowledged finding (errors or warnings)', () => {
    // Act
    const findings = formatNagFindings(unacknowledgedNagFindings(app));

    // Assess
    expect(findings).toEqual([]);
  });

  it('gives every acknowledgment a specific reason', () => {
    // Act
    const acknowledged = acknowledgments(app);

    // Assess
    for (const { path, id, reason } of acknowledged) {
      expect(reason.length, `${id} at ${path}`).toBeGreaterThanOrEqual(20);
    }
  });
});
