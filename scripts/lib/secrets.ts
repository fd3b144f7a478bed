/**
 * Finds secrets where they must never be: in files that go into the repository and in the Lambda
 * environment variables of the synthesized templates (CloudFormation shows those to anyone who can
 * read the stack, and the console shows them in clear). Pure functions over text and parsed
 * templates; scripts/secrets-scan.ts feeds them the files.
 */

export interface SecretFinding {
  /** File (and line) or template resource and variable. */
  readonly where: string;
  /** Which rule matched, e.g. `private-key`. */
  readonly rule: string;
  /** What was found, redacted: never print the secret itself. */
  readonly excerpt: string;
}

interface TextRule {
  readonly name: string;
  readonly pattern: RegExp;
  /** Extra test on the match (e.g. entropy); the capture group 1 when there is one, else the match. */
  readonly accept?: (value: string) => boolean;
}

/** Strings that look random enough to be a credential: Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

const SECRET_NAME =
  '(?:secret|password|passwd|pwd|token|api[_-]?key|access[_-]?key|private[_-]?key|signing[_-]?key|client[_-]?secret|credential)';

/**
 * A value that looks like a real credential rather than a placeholder, a name or a test token
 * (`tok_approve`, `local`, `changeme`): long, mixed letters and digits, high entropy.
 */
export function looksRandom(value: string): boolean {
  return (
    value.length >= 20 &&
    /[a-z]/i.test(value) &&
    /\d/.test(value) &&
    !/\s/.test(value) &&
    shannonEntropy(value) >= 3.7
  );
}

const TEXT_RULES: readonly TextRule[] = [
  { name: 'private-key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g },
  { name: 'aws-access-key-id', pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b/g },
  {
    name: 'aws-secret-access-key',
    pattern: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
  },
  // The private parts of a JSON Web Key (an RSA or EC private key in JSON form).
  { name: 'private-jwk', pattern: /"(?:d|p|q|dp|dq|qi)"\s*:\s*"([A-Za-z0-9_-]{40,})"/g },
  {
    name: 'jwt',
    pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}/g,
  },
  {
    name: 'slack-or-github-token',
    pattern: /\b(?:xox[abposr]-[A-Za-z0-9-]{10,}|gh[pousr]_[A-Za-z0-9]{36,})\b/g,
  },
  {
    name: 'high-entropy-assignment',
    // `password = "…"`, `apiKey: '…'`, `"clientSecret": "…"` with a random-looking value.
    pattern: new RegExp(
      String.raw`[A-Za-z_-]*${SECRET_NAME}[A-Za-z_-]*["']?\s*[:=]\s*["'\x60]([^"'\x60\s]{20,})["'\x60]`,
      'gi',
    ),
    accept: looksRandom,
  },
];

/**
 * Documentation and fixture values say so (AWS's own convention: `AKIAIOSFODNN7EXAMPLE`), in
 * clear or base64-encoded like the saga fixtures' task tokens; they are not credentials.
 */
export function isMarkedExample(value: string): boolean {
  if (/example/i.test(value)) return true;
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return false;
  return /example/i.test(Buffer.from(value, 'base64').toString('latin1'));
}

function redact(value: string): string {
  return value.length <= 12 ? '***' : `${value.slice(0, 6)}…(${value.length} chars)`;
}

/** Every finding in one file's text; `path` only labels the findings. */
export function findSecretsInText(path: string, text: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const lineStarts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) {
    lineStarts.push(index + 1);
  }
  const lineOf = (offset: number): number => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
  for (const rule of TEXT_RULES) {
    for (const match of text.matchAll(rule.pattern)) {
      const value = match[1] ?? match[0];
      if (rule.accept && !rule.accept(value)) continue;
      if (rule.name !== 'private-key' && isMarkedExample(value)) continue;
      findings.push({ where: `${path}:${lineOf(match.index)}`, rule: rule.name, excerpt: redact(value) });
    }
  }
  return findings;
}

/** Variable names that say "secret": they must not exist in a template, whatever their value. */
export const SECRET_VARIABLE_NAME =
  /SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY|SIGNING_?KEY/i;

interface TemplateResource {
  readonly Type?: string;
  readonly Properties?: { readonly Environment?: { readonly Variables?: Record<string, unknown> } };
}

/**
 * Secrets in the Lambda environment of a template: a secret-looking variable name, or a literal
 * value a text rule or the randomness test flags. References (`Ref`, `Fn::GetAtt`) are names and
 * ARNs resolved at deploy time, so only their variable name is judged.
 */
export function findSecretsInTemplate(
  templateName: string,
  template: { readonly Resources?: Record<string, TemplateResource> },
): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function' && resource.Type !== 'AWS::Serverless::Function') continue;
    for (const [name, value] of Object.entries(resource.Properties?.Environment?.Variables ?? {})) {
      const where = `${templateName} ${logicalId} Environment.${name}`;
      if (SECRET_VARIABLE_NAME.test(name)) {
        findings.push({ where, rule: 'secret-variable-name', excerpt: name });
      }
      if (typeof value !== 'string') continue;
      const inValue = findSecretsInText(where, value).map((finding) => ({ ...finding, where }));
      findings.push(...inValue);
      if (inValue.length === 0 && looksRandom(value) && !/^arn:|^https?:\/\//.test(value)) {
        findings.push({ where, rule: 'high-entropy-value', excerpt: redact(value) });
      }
    }
  }
  return findings;
}
