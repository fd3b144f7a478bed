import { describe, expect, it } from 'vitest';
import {
  fillTemplate,
  placeholdersOf,
  TemplateMismatchError,
} from '../../../../scripts/lib/markdown-template';

describe('fillTemplate', () => {
  it('replaces every placeholder, each time it appears', () => {
    // Act
    const text = fillTemplate(
      '{{rate}} orders/s, p99 {{p99-ms}} ms; {{rate}} again',
      { rate: '50', 'p99-ms': '42' },
      't',
    );

    // Assess
    expect(text).toBe('50 orders/s, p99 42 ms; 50 again');
  });

  it('refuses a placeholder without a value, naming it and the template', () => {
    // Act
    const fill = () => fillTemplate('{{rate}} and {{figures.scenario-1-}}', { rate: '1' }, 'report.md');

    // Assess
    expect(fill).toThrow(TemplateMismatchError);
    expect(fill).toThrow('report.md: no value for {{figures.scenario-1-}}');
  });

  it('refuses a value that no placeholder uses', () => {
    // Act
    const fill = () => fillTemplate('{{rate}}', { rate: '1', p99: '2' }, 'report.md');

    // Assess
    expect(fill).toThrow('report.md: no placeholder for p99');
  });

  it('leaves text that only looks like a placeholder alone', () => {
    // Act
    const names = placeholdersOf('{{ spaced }} {single} {{ok}}');

    // Assess
    expect(names).toEqual(['ok']);
  });
});
