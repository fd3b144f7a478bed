import * as logs from 'aws-cdk-lib/aws-logs';

const ALLOWED_RETENTION = new Set<number>(
  Object.values(logs.RetentionDays).filter((value): value is number => typeof value === 'number'),
);

/** Maps the stage config's retention in days onto a value CloudWatch Logs accepts. */
export function retentionDays(days: number): logs.RetentionDays {
  if (!ALLOWED_RETENTION.has(days)) {
    throw new Error(
      `Log retention of ${days} days is not one CloudWatch Logs offers; choose one of ${[...ALLOWED_RETENTION].sort((a, b) => a - b).join(', ')}`,
    );
  }
  return days as logs.RetentionDays;
}
