import { generateAuthTokenFromCredentialsProvider } from 'aws-msk-iam-sasl-signer-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MissingConfigurationError } from '../../../../lambdas/shared/env';
import {
  environmentCredentials,
  MSK_IAM_TOKEN_USER_AGENT,
  mskIamAuthToken,
} from '../../../../lambdas/shared/kafka/msk-iam-token';

// The example keys of the AWS documentation; nothing is contacted.
const CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE+token/with=reserved&characters',
};
const SIGNING_DATE = new Date('2026-12-03T17:30:00.000Z');

function decode(token: string): URL {
  return new URL(Buffer.from(token, 'base64url').toString('utf8'));
}

afterEach(() => {
  vi.useRealTimers();
});

describe('mskIamAuthToken', () => {
  it('is a base64url SigV4-presigned kafka-cluster:Connect URL for the region, valid 15 minutes', async () => {
    // Act
    const { token, expiresAt } = await mskIamAuthToken({
      region: 'eu-central-1',
      credentials: async () => CREDENTIALS,
      signingDate: SIGNING_DATE,
    });

    // Assess
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    const url = decode(token);
    expect(url.origin).toBe('https://kafka.eu-central-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      Action: 'kafka-cluster:Connect',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIAIOSFODNN7EXAMPLE/20261203/eu-central-1/kafka-cluster/aws4_request',
      'X-Amz-Date': '20261203T173000Z',
      'X-Amz-Expires': '900',
      'X-Amz-Security-Token': CREDENTIALS.sessionToken,
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
      'User-Agent': MSK_IAM_TOKEN_USER_AGENT,
    });
    expect(expiresAt).toBe(SIGNING_DATE.getTime() + 900_000);
  });

  it('signs exactly as the AWS MSK IAM signer does, user agent aside', async () => {
    // Prepare: both sign at the same instant with the same keys
    vi.useFakeTimers({ now: SIGNING_DATE, toFake: ['Date'] });
    const credentials = async () => CREDENTIALS;

    // Act
    const ours = await mskIamAuthToken({ region: 'eu-central-1', credentials });
    const theirs = await generateAuthTokenFromCredentialsProvider({
      region: 'eu-central-1',
      awsCredentialsProvider: credentials,
    });

    // Assess
    const withoutUserAgent = (token: string) => {
      const params = decode(token).searchParams;
      params.delete('User-Agent');
      return Object.fromEntries(params);
    };
    expect(withoutUserAgent(ours.token)).toEqual(withoutUserAgent(theirs.token));
    expect(ours.expiresAt).toBe(theirs.expiryTime);
  });

  it('does not outlive the credentials that sign it', async () => {
    // Act
    const { token, expiresAt } = await mskIamAuthToken({
      region: 'eu-central-1',
      credentials: async () => ({ ...CREDENTIALS, expiration: new Date(SIGNING_DATE.getTime() + 120_500) }),
      signingDate: SIGNING_DATE,
    });

    // Assess
    expect(decode(token).searchParams.get('X-Amz-Expires')).toBe('120');
    expect(expiresAt).toBe(SIGNING_DATE.getTime() + 120_000);
  });

  it('refuses to sign with expired credentials', async () => {
    // Act
    const signing = mskIamAuthToken({
      region: 'eu-central-1',
      credentials: async () => ({ ...CREDENTIALS, expiration: new Date(SIGNING_DATE.getTime() - 1) }),
      signingDate: SIGNING_DATE,
    });

    // Assess
    await expect(signing).rejects.toThrow(MissingConfigurationError);
  });
});

describe('environmentCredentials', () => {
  it("reads the function role's keys from Lambda's variables", async () => {
    // Act
    const credentials = await environmentCredentials({
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
    })();

    // Assess
    expect(credentials).toEqual(CREDENTIALS);
  });

  it('fails clearly without keys', async () => {
    // Act
    const reading = environmentCredentials({ AWS_SESSION_TOKEN: 'orphan' })();

    // Assess
    await expect(reading).rejects.toThrow(MissingConfigurationError);
  });
});
