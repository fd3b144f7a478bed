/** The region every AWS client and the MSK IAM signer use. */

/** Lambda always sets AWS_REGION; the fallback only serves local runs and tests. */
export function awsRegion(): string {
  return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
}
