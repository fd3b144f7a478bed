/** Finds and reads the synthesized stack templates (`cdk.out/OrderPipeline-<stage>-*.template.json`). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnTemplateDocument } from './cfn-tables';
import { TemplateResourceError } from './errors';

export interface StackTemplate {
  /** Stack name, from the file name (e.g. `OrderPipeline-dev-Data`). */
  readonly stackName: string;
  readonly path: string;
  readonly template: CfnTemplateDocument;
}

const TEMPLATE_SUFFIX = '.template.json';

export function readStackTemplate(path: string, stackName?: string): StackTemplate {
  let template: CfnTemplateDocument;
  try {
    template = JSON.parse(readFileSync(path, 'utf8')) as CfnTemplateDocument;
  } catch (error) {
    throw new TemplateResourceError(`Cannot read the template '${path}'`, { cause: error });
  }
  const name = stackName ?? path.split('/').at(-1)!.replace(TEMPLATE_SUFFIX, '');
  return { stackName: name, path, template };
}

/** Every template of the stage in the cloud assembly; a clear error when the app was not synthesized. */
export function stageTemplates(cdkOutDir: string, stage = 'dev'): StackTemplate[] {
  const prefix = `OrderPipeline-${stage}-`;
  const files = existsSync(cdkOutDir)
    ? readdirSync(cdkOutDir).filter((file) => file.startsWith(prefix) && file.endsWith(TEMPLATE_SUFFIX))
    : [];
  if (files.length === 0) {
    throw new TemplateResourceError(
      `No synthesized template '${prefix}*${TEMPLATE_SUFFIX}' in '${cdkOutDir}': run 'npx cdk synth --quiet' first ` +
        '(the local tables and queues are created from the templates).',
    );
  }
  return files.sort().map((file) => readStackTemplate(join(cdkOutDir, file)));
}
