/**
 * The shape of a synthesized CloudFormation template as far as the local mode reads it, and the
 * loader that finds the App stack's template in a cloud assembly (`cdk.out`).
 */
import { existsSync, readFileSync } from 'node:fs';
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

interface AssemblyManifest {
  readonly artifacts?: Record<
    string,
    { readonly type?: string; readonly properties?: { readonly templateFile?: string } }
  >;
}

/**
 * Finds the App stack's template in a cloud assembly: the named stack, or else the stack with the
 * most Lambda functions (the App stack holds every function; support stacks hold none).
 */
export function findAppTemplate(cdkOutDir: string, stackName?: string): string {
  const manifestPath = join(cdkOutDir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new TemplateReadError(`No cloud assembly at '${cdkOutDir}': run 'npx cdk synth' first`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as AssemblyManifest;
  const stacks = Object.entries(manifest.artifacts ?? {})
    .filter(
      ([, artifact]) => artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile,
    )
    .map(([id, artifact]) => ({ id, file: join(cdkOutDir, artifact.properties!.templateFile!) }));
  if (stackName !== undefined) {
    const stack = stacks.find((candidate) => candidate.id === stackName);
    if (!stack) {
      throw new TemplateReadError(
        `Stack '${stackName}' is not in '${cdkOutDir}'; stacks: ${stacks.map((s) => s.id).join(', ')}`,
      );
    }
    return stack.file;
  }
  const ranked = stacks
    .map((stack) => ({ ...stack, functions: countFunctions(loadTemplate(stack.file)) }))
    .sort((a, b) => b.functions - a.functions);
  if (ranked.length === 0 || ranked[0]!.functions === 0) {
    throw new TemplateReadError(`No stack with Lambda functions in '${cdkOutDir}'`);
  }
  return ranked[0]!.file;
}

function countFunctions(template: CfnTemplate): number {
  return Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function')
    .length;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resources of one type, as [logicalId, resource] pairs. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}
