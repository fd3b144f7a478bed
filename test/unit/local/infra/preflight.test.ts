import { describe, expect, it } from 'vitest';
import { portFromEnv } from '../../../../local/infra/component';
import { parseJavaMajorVersion } from '../../../../local/infra/preflight';

describe('parseJavaMajorVersion', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_392"', 8],
    ['no version here', undefined],
  ])('reads %s as %s', (output, expected) => {
    // Act / Assess
    expect(parseJavaMajorVersion(output)).toBe(expected);
  });
});

describe('portFromEnv', () => {
  it('falls back to the default and refuses a value that is not a port, naming the variable', () => {
    // Act / Assess
    expect(portFromEnv('KAFKA_PORT', 9092, {})).toBe(9092);
    expect(portFromEnv('KAFKA_PORT', 9092, { KAFKA_PORT: '19092' })).toBe(19_092);
    expect(() => portFromEnv('KAFKA_PORT', 9092, { KAFKA_PORT: 'abc' })).toThrow(
      "KAFKA_PORT must be a TCP port (1-65535), got 'abc'",
    );
  });
});
