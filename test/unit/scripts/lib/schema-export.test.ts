import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MESSAGE_SCHEMAS } from '../../../../lambdas/shared/events/payloads';
import {
  buildSchemaExports,
  checkSchemaExports,
  SCHEMAS_DIR,
  sortKeys,
  writeSchemaExports,
} from '../../../../scripts/lib/schema-export';

const v1 = z.object({ customerId: z.string(), total: z.number().int() }).strict();
const catalogue = {
  OrderPlaced: { versions: [v1, v1.extend({ channel: z.enum(['web', 'app']).default('web') })] },
};

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function tempDir(): string {
  const created = mkdtempSync(join(tmpdir(), 'schemas-'));
  dir = created;
  return created;
}

describe('the committed schema export', () => {
  it('matches the code and every version is backward compatible (npm test enforces this)', () => {
    // Act
    const problems = checkSchemaExports(SCHEMAS_DIR);

    // Assess
    expect(problems).toEqual([]);
  });

  it('has a file for every version of every message type plus the envelope', () => {
    // Act
    const files = buildSchemaExports().map((e) => e.file);

    // Assess
    const expected = Object.entries(MESSAGE_SCHEMAS).flatMap(([type, { versions }]) =>
      versions.map((_schema, index) => `${type}/v${index + 1}.json`),
    );
    expect(files).toEqual(['envelope.json', ...expected]);
  });
});

describe('buildSchemaExports', () => {
  it('writes draft 2020-12 with an id, a title and sorted keys', () => {
    // Act
    const [envelope, first, second] = buildSchemaExports(catalogue);

    // Assess
    expect(envelope?.schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(first?.schema).toMatchObject({
      $id: 'urn:order-pipeline:schema:OrderPlaced:v1',
      title: 'OrderPlaced v1',
    });
    expect(Object.keys(second?.schema ?? {})).toEqual([...Object.keys(second?.schema ?? {})].sort());
    expect(second?.schema.required).toEqual(['customerId', 'total']);
    expect(second?.text.endsWith('}\n')).toBe(true);
  });

  it('is reproducible', () => {
    // Act
    const first = buildSchemaExports().map((e) => e.text);
    const second = buildSchemaExports().map((e) => e.text);

    // Assess
    expect(first).toEqual(second);
  });

  it('sorts keys at every depth but keeps array order', () => {
    // Act
    const sorted = sortKeys({ b: [{ z: 1, a: 2 }, 3], a: null });

    // Assess
    expect(JSON.stringify(sorted)).toBe('{"a":null,"b":[{"a":2,"z":1},3]}');
  });
});

describe('checkSchemaExports', () => {
  it('passes right after an export', () => {
    // Prepare
    const exports = buildSchemaExports(catalogue);
    const target = tempDir();
    writeSchemaExports(target, exports);

    // Act
    const problems = checkSchemaExports(target, exports);

    // Assess
    expect(problems).toEqual([]);
  });

  it('fails when a schema changed without a re-export, and says how it broke', () => {
    // Prepare
    const target = tempDir();
    writeSchemaExports(target, buildSchemaExports(catalogue));
    const changed = {
      OrderPlaced: { versions: [v1.omit({ total: true }), catalogue.OrderPlaced.versions[1]] },
    };

    // Act
    const problems = checkSchemaExports(target, buildSchemaExports(changed));

    // Assess
    expect(problems.map((p) => p.file)).toContain('OrderPlaced/v1.json');
    expect(problems.map((p) => p.problem)).toContainEqual(expect.stringContaining('differs from the code'));
    expect(problems.map((p) => p.problem)).toContainEqual(
      expect.stringContaining('edited in place: removed-property'),
    );
  });

  it('fails when a version is not exported', () => {
    // Prepare
    const target = tempDir();
    writeSchemaExports(target, buildSchemaExports({ OrderPlaced: { versions: [v1] } }));

    // Act
    const problems = checkSchemaExports(target, buildSchemaExports(catalogue));

    // Assess
    expect(problems).toEqual([
      { file: 'OrderPlaced/v2.json', problem: expect.stringContaining('not exported') },
    ]);
  });

  it('fails when a committed version was removed from the code', () => {
    // Prepare
    const target = tempDir();
    writeSchemaExports(target, buildSchemaExports(catalogue));

    // Act
    const problems = checkSchemaExports(target, buildSchemaExports({ OrderPlaced: { versions: [v1] } }));

    // Assess
    expect(problems).toEqual([
      { file: 'OrderPlaced/v2.json', problem: expect.stringContaining('never removed') },
    ]);
  });

  it('fails on a breaking new version even when it is exported', () => {
    // Prepare
    const breaking = { OrderPlaced: { versions: [v1, v1.extend({ channel: z.enum(['web', 'app']) })] } };
    const exports = buildSchemaExports(breaking);
    const target = tempDir();
    writeSchemaExports(target, exports);

    // Act
    const problems = checkSchemaExports(target, exports);

    // Assess
    expect(problems).toEqual([
      {
        file: 'OrderPlaced/v2.json',
        problem:
          "breaking change from v1: new-required-property at /channel: new property 'channel' is required without a default",
      },
    ]);
  });

  it('fails on a keyword the compatibility check has no rule for, once per version that uses it', () => {
    // Prepare
    const withTuple = v1.extend({ dimensions: z.tuple([z.number(), z.number()]) });
    const unchecked = {
      OrderPlaced: { versions: [withTuple, withTuple.extend({ note: z.string().optional() })] },
    };
    const exports = buildSchemaExports(unchecked);
    const target = tempDir();
    writeSchemaExports(target, exports);

    // Act
    const problems = checkSchemaExports(target, exports);

    // Assess
    const problem =
      'no compatibility rule for keyword prefixItems at path /dimensions; add one to scripts/lib/schema-compatibility.ts before using it';
    expect(problems).toEqual([
      { file: 'OrderPlaced/v2.json', problem },
      { file: 'OrderPlaced/v1.json', problem },
    ]);
  });

  it('export removes files of versions no longer in the code', () => {
    // Prepare
    const target = tempDir();
    writeSchemaExports(target, buildSchemaExports(catalogue));
    writeFileSync(join(target, 'stale.json'), '{}');

    // Act
    const files = writeSchemaExports(target, buildSchemaExports(catalogue));

    // Assess
    expect(files).not.toContain('stale.json');
    expect(() => readFileSync(join(target, 'stale.json'))).toThrow();
  });
});
