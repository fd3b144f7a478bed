import { describe, expect, it } from 'vitest';
import {
  findSecretsInTemplate,
  findSecretsInText,
  isMarkedExample,
  looksRandom,
} from '../../../../scripts/lib/secrets';

// Fake credentials are assembled at run time, so this file itself passes the scan it tests.
const join = (...parts: string[]) => parts.join('');
const ACCESS_KEY_ID = join('AKIA', 'Z7Q2W4E6R8T0Y1U3');
const SECRET_ACCESS_KEY = join('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYz9q8w7e6r5');
const RANDOM = join('q8Zr4Lp2Xv9N', 'c3Tb7Wm1Ks6Hd5Jf');

describe('findSecretsInText', () => {
  it.each([
    ['a PEM private key', join('-----BEGIN ', 'RSA PRIVATE KEY-----\nMIIEow...'), 'private-key'],
    ['an OpenSSH private key', join('-----BEGIN ', 'OPENSSH PRIVATE KEY-----'), 'private-key'],
    ['an AWS access key id', `const id = '${ACCESS_KEY_ID}';`, 'aws-access-key-id'],
    ['an AWS secret access key', `aws_secret_access_key = ${SECRET_ACCESS_KEY}`, 'aws-secret-access-key'],
    ['the private part of a JWK', `{"kty":"RSA","d":"${RANDOM}${RANDOM}${RANDOM}"}`, 'private-jwk'],
    [
      'a signed JWT',
      join('eyJhbGciOiJSUzI1NiJ9', '.eyJzdWIiOiJjdXN0LTEifQ.', 'c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWc'),
      'jwt',
    ],
    ['a random password assignment', `password: "${RANDOM}"`, 'high-entropy-assignment'],
    ['a random API key in JSON', `{ "apiKey": "${RANDOM}" }`, 'high-entropy-assignment'],
  ])('finds %s', (_label, text, rule) => {
    // Act
    const findings = findSecretsInText('some/file.ts', `line one\n${text}\n`);

    // Assess
    expect(findings).toEqual([expect.objectContaining({ where: 'some/file.ts:2', rule })]);
    expect(JSON.stringify(findings)).not.toContain(text.length > 12 ? text.slice(8) : text);
  });

  it.each([
    ['a placeholder password', "password: 'changeme'"],
    ['the local mode credentials', "AWS_SECRET_ACCESS_KEY: 'local'"],
    ['a simulated payment token', "payment: { token: 'tok_insufficient_funds' }"],
    ['an environment variable name', "requireEnv('IDEMPOTENCY_TABLE_NAME')"],
    ['a package integrity hash', `"integrity": "sha512-${RANDOM}${RANDOM}=="`],
    ['an example task token', `const taskToken = 'AQCEAAAAKgAAAAMAAAAAAAAAAeXampleToken0123456789';`],
    ["AWS's documented example key", join('AKIAIOSFODNN7', 'EXAMPLE')],
  ])('does not flag %s', (_label, text) => {
    // Act
    const findings = findSecretsInText('file.ts', text);

    // Assess
    expect(findings).toEqual([]);
  });
});

describe('looksRandom and isMarkedExample', () => {
  it('tell credentials from names and marked examples', () => {
    // Assess
    expect(looksRandom(RANDOM)).toBe(true);
    expect(looksRandom('order-pipeline-dev-checkout')).toBe(false);
    expect(looksRandom('tok_approve')).toBe(false);
    expect(isMarkedExample(Buffer.from('an example task token').toString('base64'))).toBe(true);
    expect(isMarkedExample(RANDOM)).toBe(false);
  });
});

describe('findSecretsInTemplate', () => {
  const template = (variables: Record<string, unknown>) => ({
    Resources: {
      Checkout: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: variables } } },
      Table: { Type: 'AWS::DynamoDB::Table', Properties: {} },
    },
  });

  it('accepts names, ARNs and settings', () => {
    // Act
    const findings = findSecretsInTemplate(
      'App.template.json',
      template({
        ORDERS_TABLE_NAME: { Ref: 'OrdersTable' },
        STATE_MACHINE_ARN: 'arn:aws:states:eu-central-1:123456789012:stateMachine:order-saga-dev',
        IDEMPOTENCY_TTL_SECONDS: '172800',
        POWERTOOLS_SERVICE_NAME: 'checkout',
      }),
    );

    // Assess
    expect(findings).toEqual([]);
  });

  it('refuses a secret-looking variable name whatever its value, and a credential as a value', () => {
    // Act
    const findings = findSecretsInTemplate(
      'App.template.json',
      template({
        DB_PASSWORD: { Ref: 'Password' },
        PAYMENT_API_KEY: 'x',
        ACCESS: ACCESS_KEY_ID,
        OPAQUE: RANDOM,
      }),
    );

    // Assess
    expect(findings.map(({ where, rule }) => `${where} ${rule}`)).toEqual([
      'App.template.json Checkout Environment.DB_PASSWORD secret-variable-name',
      'App.template.json Checkout Environment.PAYMENT_API_KEY secret-variable-name',
      'App.template.json Checkout Environment.ACCESS aws-access-key-id',
      'App.template.json Checkout Environment.OPAQUE high-entropy-value',
    ]);
  });
});
