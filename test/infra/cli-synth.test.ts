import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGES } from '../../lib/config/stages';
import { stackName } from '../../lib/pipeline-stacks';

const ROOT = join(__dirname, '..', '..');

/** An environment with no AWS credentials or profile: synthesis must not need any. */
function credentialFreeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (
      /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE|REGION|DEFAULT_REGION)$/.test(
        name,
      )
    ) {
      delete env[name];
    }
  }
  return {
    ...env,
    CDK_DISABLE_VERSION_CHECK: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

interface ValidationReport {
  readonly pluginReports: readonly {
    pluginName: string;
    violations: readonly { ruleName: string; description: string }[];
  }[];
}

describe('npx cdk synth (dev), as CI runs it: built-in CloudFormation validation strict, cdk-nag on', () => {
  // Prepare
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-synth-'));
  let result: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    // Act
    result = spawnSync(
      'npx',
      [
        'cdk',
        'synth',
        '--quiet',
        '--output',
        outdir,
        '--context',
        'stage=dev',
        // Turns every built-in validation finding (normally a warning) into a synthesis failure.
        '--context',
        '@aws-cdk/core:strictCfnValidateErrors=true',
      ],
      { cwd: ROOT, env: credentialFreeEnv(), encoding: 'utf8', timeout: 280_000 },
    );
  });

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('succeeds without AWS credentials and writes the template of every stack', () => {
    // Assess
    expect(result.status, String(result.stderr)).toBe(0);
    expect(existsSync(join(outdir, `${stackName(STAGES.dev, 'Data')}.template.json`))).toBe(true);
  });

  it('reports no validation findings: no built-in CloudFormation warnings and no cdk-nag findings', () => {
    // Act
    const report = JSON.parse(
      readFileSync(join(outdir, 'validation-report.json'), 'utf8'),
    ) as ValidationReport;

    // Assess
    const findings = report.pluginReports.flatMap((plugin) =>
      plugin.violations.map(
        (violation) => `${plugin.pluginName} ${violation.ruleName}: ${violation.description}`,
      ),
    );
    expect(findings).toEqual([]);
  });

  it('passes cfn-lint (installed from PyPI into .venv) with zero errors', () => {
    // Act
    const output = execFileSync('bash', [join(ROOT, 'scripts', 'cfn-lint.sh'), outdir], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 240_000,
    });

    // Assess
    expect(output).toContain('cfn-lint: no errors');
  });
});
