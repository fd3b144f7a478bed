/**
 * Flattens a CloudFormation value (e.g. a dashboard body built with Fn::Join) into plain text;
 * every other intrinsic becomes `<token>`. Lets tests read JSON that CloudFormation assembles.
 */
export function flattenIntrinsics(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (value && typeof value === 'object' && 'Fn::Join' in value) {
    const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return parts.map(flattenIntrinsics).join(separator);
  }
  return '<token>';
}

/** A synthesized CloudFormation value: untyped JSON that tests walk into freely. */
// biome-ignore lint/suspicious/noExplicitAny: template JSON has no static shape; tests assert on it at run time.
export type CfnValue = any;
