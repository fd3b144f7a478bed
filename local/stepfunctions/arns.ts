/** ARN helpers: local executions get ARNs shaped like AWS ones so logs and clients look the same. */
import { LOCAL_ACCOUNT } from '../runtime/local-resources';
import { InvalidArnError } from './errors';

const STATE_MACHINE_ARN = /^arn:([a-z-]+):states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})$/;
const EXECUTION_ARN =
  /^arn:([a-z-]+):states:([a-z0-9-]+):(\d{12}):execution:([A-Za-z0-9_-]{1,80}):(.{1,80})$/;
const FUNCTION_ARN =
  /^(?:arn:[a-z-]+:lambda:[a-z0-9-]+:)?(?:\d{12}:)?function:([A-Za-z0-9_-]{1,140})(?::[A-Za-z0-9$_-]+)?$/;

export interface StateMachineArnParts {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly name: string;
}

export function parseStateMachineArn(arn: unknown): StateMachineArnParts {
  const match = typeof arn === 'string' ? STATE_MACHINE_ARN.exec(arn) : null;
  if (!match) throw new InvalidArnError(arn);
  return { partition: match[1]!, region: match[2]!, accountId: match[3]!, name: match[4]! };
}

export function isExecutionArn(arn: unknown): arn is string {
  return typeof arn === 'string' && EXECUTION_ARN.test(arn);
}

export function executionArnFor(stateMachineArn: string, executionName: string): string {
  const { partition, region, accountId, name } = parseStateMachineArn(stateMachineArn);
  return `arn:${partition}:states:${region}:${accountId}:execution:${name}:${executionName}`;
}

export function localStateMachineArn(
  name: string,
  {
    region = LOCAL_ACCOUNT.region,
    accountId = LOCAL_ACCOUNT.accountId,
    partition = LOCAL_ACCOUNT.partition,
  }: { region?: string; accountId?: string; partition?: string } = {},
): string {
  return `arn:${partition}:states:${region}:${accountId}:stateMachine:${name}`;
}

/**
 * Lambda accepts a name, a full ARN or a partial ARN, optionally qualified; the local runtime knows
 * functions by name, so every form is reduced to the name.
 */
export function functionNameOf(nameOrArn: string): string {
  const match = FUNCTION_ARN.exec(nameOrArn);
  if (match) return match[1]!;
  return nameOrArn.split(':')[0]!;
}
