import { Aspects, CfnResource, type IAspect } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Checkov (scripts/checkov.sh) reads acknowledgements from each template resource's
 * `Metadata.checkov.skip: [{ id, comment }]`. They are written here, in code next to the construct
 * they are about, like the cdk-nag acknowledgements, so a reason travels with its resource and a
 * new resource of the same kind elsewhere is still checked.
 */
export interface CheckovAcknowledgement {
  /** The checkov check id, e.g. `CKV_AWS_116`. */
  readonly id: `CKV_${string}`;
  /** Why the finding does not apply or is accepted; shown by checkov as the skip comment. */
  readonly reason: string;
}

export interface CheckovTarget {
  /** The CloudFormation type of the resources meant, e.g. `AWS::Lambda::Function`. */
  readonly resourceType: string;
  /**
   * Narrows the resources further, e.g. to one CDK-internal resource by its construct path.
   * @default - every resource of the type under the scope
   */
  readonly where?: (resource: CfnResource) => boolean;
}

/** CloudWatch Logs encryption with a customer managed key, acknowledged for every log group of the app. */
export const LOG_GROUP_KMS_ACKNOWLEDGEMENT: CheckovAcknowledgement = {
  id: 'CKV_AWS_158',
  reason:
    'CloudWatch Logs encrypts every log group at rest with a service-managed key; a customer managed key adds ' +
    'key-policy and per-key cost without changing who can read the logs, which IAM decides.',
};

const METADATA_KEY = 'checkov';

/** Adds the acknowledgements to one resource, keeping those it already carries (one entry per id). */
export function acknowledgeCheckovFinding(
  resource: CfnResource,
  acknowledgements: readonly CheckovAcknowledgement[],
): void {
  const existing = (resource.getMetadata(METADATA_KEY) as { skip?: { id: string; comment: string }[] })?.skip;
  const ids = new Set<string>(acknowledgements.map((a) => a.id));
  resource.addMetadata(METADATA_KEY, {
    skip: [
      ...(existing ?? []).filter((entry) => !ids.has(entry.id)),
      ...acknowledgements.map(({ id, reason }) => ({ id, comment: reason })),
    ],
  });
}

/**
 * Acknowledges checkov findings on every resource of a type under `scope`, including resources
 * added after this call (grants create IAM policies late), since it runs as an aspect at synthesis.
 */
export function acknowledgeCheckovFindings(
  scope: IConstruct,
  target: CheckovTarget,
  acknowledgements: readonly CheckovAcknowledgement[],
): void {
  Aspects.of(scope).add(new CheckovAcknowledgements(target, acknowledgements));
}

class CheckovAcknowledgements implements IAspect {
  constructor(
    private readonly target: CheckovTarget,
    private readonly acknowledgements: readonly CheckovAcknowledgement[],
  ) {}

  visit(node: IConstruct): void {
    if (!(node instanceof CfnResource) || node.cfnResourceType !== this.target.resourceType) return;
    if (this.target.where && !this.target.where(node)) return;
    acknowledgeCheckovFinding(node, this.acknowledgements);
  }
}
