/**
 * The JSON Schema export of every message version (`schemas/<MessageType>/v<N>.json`) and of the
 * envelope (`schemas/envelope.json`), and the check that the committed export matches the code and
 * that every version is backward compatible with the one before.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { z } from 'zod';
import { envelopeSchema } from '../../lambdas/shared/events/envelope';
import { MESSAGE_SCHEMAS, type MessageType } from '../../lambdas/shared/events/payloads';
import {
  type BreakingChange,
  findBreakingChanges,
  findUncheckedKeywords,
  type JsonSchema,
} from './schema-compatibility';

export const SCHEMAS_DIR = join(__dirname, '..', '..', 'schemas');
export const ENVELOPE_FILE = 'envelope.json';

/** What `MESSAGE_SCHEMAS` looks like to this module; tests pass their own catalogue. */
export type SchemaCatalogue = Readonly<Record<string, { readonly versions: readonly z.core.$ZodType[] }>>;

export interface SchemaExport {
  /** Path relative to the schemas folder, `/`-separated. */
  readonly file: string;
  readonly messageType?: string;
  readonly version?: number;
  readonly schema: JsonSchema;
  /** The file content: sorted keys, two-space indent, trailing newline. */
  readonly text: string;
}

/**
 * Converts a zod schema to a draft 2020-12 JSON Schema of what readers accept (input side). Takes
 * any zod schema: the Lambda code defines its schemas with zod/mini, tests pass classic ones.
 */
export function toJsonSchema(schema: z.core.$ZodType, id: string, title: string): JsonSchema {
  const generated = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as JsonSchema;
  return sortKeys({ ...generated, $id: id, title }) as JsonSchema;
}

export function buildSchemaExports(catalogue: SchemaCatalogue = MESSAGE_SCHEMAS): SchemaExport[] {
  const exports: SchemaExport[] = [
    exportOf(
      ENVELOPE_FILE,
      toJsonSchema(envelopeSchema, 'urn:order-pipeline:schema:envelope', 'EventEnvelope'),
    ),
  ];
  for (const [messageType, { versions }] of Object.entries(catalogue)) {
    versions.forEach((schema, index) => {
      const version = index + 1;
      const jsonSchema = toJsonSchema(
        schema,
        `urn:order-pipeline:schema:${messageType}:v${version}`,
        `${messageType} v${version}`,
      );
      exports.push({ ...exportOf(`${messageType}/v${version}.json`, jsonSchema), messageType, version });
    });
  }
  return exports;
}

/** Writes the export and removes files of the export that no longer exist in the code. */
export function writeSchemaExports(dir = SCHEMAS_DIR, exports = buildSchemaExports()): string[] {
  const wanted = new Set(exports.map((e) => e.file));
  for (const file of listJsonFiles(dir)) {
    if (!wanted.has(file)) rmSync(join(dir, file));
  }
  for (const entry of exports) {
    const path = join(dir, entry.file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, entry.text);
  }
  return exports.map((e) => e.file);
}

export interface SchemaProblem {
  readonly file: string;
  readonly problem: string;
}

/**
 * Everything wrong with the committed export:
 * (a) a file missing, different from the code, or left over from a version removed from the code
 *     (old records must stay readable, so versions are never removed);
 * (b) a version that breaks compatibility with the previous version, or a committed version that
 *     was edited in place in a breaking way;
 * (c) a keyword or construct the compatibility check has no rule for, in any version, so it is
 *     found when it is first used rather than when the next version cannot be checked.
 */
export function checkSchemaExports(dir = SCHEMAS_DIR, exports = buildSchemaExports()): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const byFile = new Map(exports.map((e) => [e.file, e]));

  for (const entry of exports) {
    const path = join(dir, entry.file);
    if (!existsSync(path)) {
      problems.push({ file: entry.file, problem: 'not exported; run `npx tsx scripts/schemas.ts export`' });
      continue;
    }
    const committed = readFileSync(path, 'utf8');
    if (committed === entry.text) continue;
    problems.push({
      file: entry.file,
      problem: 'differs from the code; a published version must not change: add a new version instead',
    });
    for (const change of findBreakingChanges(JSON.parse(committed) as JsonSchema, entry.schema)) {
      problems.push({ file: entry.file, problem: describeChange('edited in place', change) });
    }
  }
  for (const file of listJsonFiles(dir)) {
    if (!byFile.has(file)) {
      problems.push({ file, problem: 'committed but no longer in the code; versions are never removed' });
    }
  }

  for (const entry of exports) {
    if (entry.version === undefined || entry.version < 2) continue;
    const previous = byFile.get(`${entry.messageType}/v${entry.version - 1}.json`);
    if (!previous) continue;
    for (const change of findBreakingChanges(previous.schema, entry.schema)) {
      problems.push({
        file: entry.file,
        problem: describeChange(`breaking change from v${entry.version - 1}`, change),
      });
    }
  }
  for (const entry of exports) {
    for (const change of findUncheckedKeywords(entry.schema)) {
      problems.push({ file: entry.file, problem: describeChange('', change) });
    }
  }
  return uniqueProblems(problems);
}

/** A keyword without a rule reads the same whichever comparison met it: no context. */
function describeChange(context: string, change: BreakingChange): string {
  if (change.kind === 'no-compatibility-rule') {
    return `${change.message}; add one to scripts/lib/schema-compatibility.ts before using it`;
  }
  return `${context}: ${change.kind} at ${change.path}: ${change.message}`;
}

/** The same keyword without a rule is met by several comparisons of one file; listed once. */
function uniqueProblems(problems: readonly SchemaProblem[]): SchemaProblem[] {
  const seen = new Set<string>();
  return problems.filter(({ file, problem }) => {
    const key = `${file}\u0000${problem}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function messageTypes(catalogue: SchemaCatalogue = MESSAGE_SCHEMAS): MessageType[] {
  return Object.keys(catalogue) as MessageType[];
}

function exportOf(file: string, schema: JsonSchema): SchemaExport {
  return { file, schema, text: `${JSON.stringify(schema, null, 2)}\n` };
}

/** Object keys sorted at every depth, so the export is byte-for-byte reproducible. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

function listJsonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const files: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.json')) files.push(relative(dir, path).split('\\').join('/'));
    }
  };
  walk(dir);
  return files.sort();
}
