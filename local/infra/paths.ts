/**
 * Where the local mode keeps its state: everything under `<repo>/.local/` (git-ignored), the
 * Maven-fetched jars under `.local/cache/` so that `npm run local:reset` can keep them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const PACKAGE_NAME = 'order-pipeline';

/** The repository root: the nearest folder upwards from `start` whose package.json is this project's. */
export function repositoryRoot(start: string = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === PACKAGE_NAME) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      // Outside the repository (a tool run elsewhere): keep the state next to the caller.
      return resolve(start);
    }
    dir = parent;
  }
}

function readPackageName(manifest: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

/** The `.local/` folder, or `LOCAL_DATA_DIR` when set (the integration harness uses its own). */
export function localDir(): string {
  return process.env.LOCAL_DATA_DIR ? resolve(process.env.LOCAL_DATA_DIR) : join(repositoryRoot(), '.local');
}

/** Where `npm start` writes the App stack's local outputs for the operator tools (in `localDir()`). */
export const STACK_OUTPUTS_FILE = 'stack-outputs.json';
/** Where `npm start` writes the variables that point the operator tools at the local parts. */
export const TOOL_ENVIRONMENT_FILE = 'tool-environment.json';

/** The jar cache; always under the repository's `.local/cache`, shared by every data folder. */
export function mavenLibsDir(component: string): string {
  return join(repositoryRoot(), '.local', 'cache', 'maven-libs', component);
}
