/**
 * Secrets scan (npm test runs it): fails when a file that git tracks or would add (tracked plus
 * untracked files not ignored) contains a private key, an AWS key, a token or a random-looking
 * credential, when a Lambda function of a synthesized template has a secret in its environment,
 * or when the local issuer's signing key (.local/auth) is tracked.
 *   npx tsx scripts/secrets-scan.ts [cloud assembly dir, default cdk.out]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findSecretsInTemplate, findSecretsInText, type SecretFinding } from './lib/secrets';

const root = join(__dirname, '..');
/** Files bigger than this are data, not configuration (none are today); they are reported, not read. */
const MAX_FILE_BYTES = 5 * 1024 * 1024;

function repositoryFiles(): string[] {
  const output = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return output.split('\0').filter((file) => file !== '' && existsSync(join(root, file)));
}

function scanFiles(files: readonly string[]): { findings: SecretFinding[]; skipped: string[] } {
  const findings: SecretFinding[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    const path = join(root, file);
    if (!statSync(path).isFile()) continue;
    if (statSync(path).size > MAX_FILE_BYTES) {
      skipped.push(file);
      continue;
    }
    const bytes = readFileSync(path);
    // Binary files (NUL bytes) hold no readable credentials this scan could judge.
    if (bytes.subarray(0, 8000).includes(0)) continue;
    findings.push(...findSecretsInText(file, bytes.toString('utf8')));
  }
  return { findings, skipped };
}

function scanTemplates(assembly: string): { findings: SecretFinding[]; templates: number } {
  if (!existsSync(assembly)) return { findings: [], templates: 0 };
  const templates = readdirSync(assembly).filter((file) => file.endsWith('.template.json'));
  const findings = templates.flatMap((file) =>
    findSecretsInTemplate(file, JSON.parse(readFileSync(join(assembly, file), 'utf8'))),
  );
  return { findings, templates: templates.length };
}

function main(): number {
  const assembly = resolve(root, process.argv[2] ?? 'cdk.out');
  const files = repositoryFiles();
  const trackedKeys = files.filter((file) => file.startsWith('.local/') || /\.jwk\.json$|\.pem$/.test(file));
  const repo = scanFiles(files);
  const templates = scanTemplates(assembly);
  const findings = [
    ...trackedKeys.map((file) => ({
      where: file,
      rule: 'key-file-tracked',
      excerpt: 'local key material must stay in the git-ignored .local/',
    })),
    ...repo.findings,
    ...templates.findings,
  ];
  for (const file of repo.skipped)
    console.warn(`secrets-scan: ${file} is over ${MAX_FILE_BYTES} bytes, not read`);
  console.log(
    `secrets-scan: ${files.length} repository files, ${templates.templates} template(s) in ${assembly}`,
  );
  if (templates.templates === 0) {
    console.error('secrets-scan: no synthesized templates; run `npx cdk synth` first');
    return 1;
  }
  if (findings.length > 0) {
    for (const finding of findings)
      console.error(`  ${finding.where}  [${finding.rule}]  ${finding.excerpt}`);
    console.error(
      `secrets-scan: ${findings.length} possible secret(s). Remove them (local keys belong in .local/, ` +
        'deployed secrets in Secrets Manager read at run time), then rotate anything that was real.',
    );
    return 1;
  }
  console.log('secrets-scan: no secrets found');
  return 0;
}

process.exitCode = main();
