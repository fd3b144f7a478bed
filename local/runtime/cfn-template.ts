/**
 * The one reader of synthesized CloudFormation templates: their shape as far as the local mode,
 * the benchmarks and the tests read it, and the loader of a stage's templates from the cloud
 * assembly (`cdk.out/OrderPipeline-<stage>-*.template.json`). Tokens in them are resolved by
 * LocalResolver (local-resources.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TemplateReadError } from './errors';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly Metadata?: Readonly<Record<string, unknown>>;
}

export interface CfnTemplate {
  readonly Resources: Readonly<Record<string, CfnResource>>;
  readonly Parameters?: Readonly<Record<string, { readonly Default?: unknown }>>;
  readonly Outputs?: Readonly<
    Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: unknown } }>
  >;
}

/** Reads and minimally checks a template file. */
export function loadTemplate(path: string): CfnTemplate {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TemplateReadError(`Cannot read template '${path}'`, { cause: error });
  }
  if (!isRecord(parsed) || !isRecord(parsed.Resources)) {
    throw new TemplateReadError(`Template '${path}' has no Resources section`);
  }
  return parsed as unknown as CfnTemplate;
}

export interface StackTemplate {
  /** Stack name, from the file name (e.g. `OrderPipeline-dev-Data`). */
  readonly stackName: string;
  readonly path: string;
  readonly template: CfnTemplate;
}

const TEMPLATE_SUFFIX = '.template.json';

export function readStackTemplate(path: string, stackName?: string): StackTemplate {
  const name = stackName ?? path.split('/').at(-1)!.replace(TEMPLATE_SUFFIX, '');
  return { stackName: name, path, template: loadTemplate(path) };
}

/** Every template of the stage in the cloud assembly; a clear error when the app was not synthesized. */
export function stageTemplates(cdkOutDir: string, stage = 'dev'): StackTemplate[] {
  const prefix = `OrderPipeline-${stage}-`;
  const files = existsSync(cdkOutDir)
    ? readdirSync(cdkOutDir).filter((file) => file.startsWith(prefix) && file.endsWith(TEMPLATE_SUFFIX))
    : [];
  if (files.length === 0) {
    throw new TemplateReadError(
      `No synthesized template '${prefix}*${TEMPLATE_SUFFIX}' in '${cdkOutDir}': run 'npx cdk synth --quiet' first ` +
        '(the local tables, queues and functions are read from the templates).',
    );
  }
  return files.sort().map((file) => readStackTemplate(join(cdkOutDir, file)));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resources of one type, as [logicalId, resource] pairs. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}
