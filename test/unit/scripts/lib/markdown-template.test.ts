import { describe, expect, it } from 'vitest';
import { Template, TemplateError } from '../../../../scripts/lib/markdown-template';

const verdictTemplate = [
  'Target: drain ≥ 10x — {{multiple}}x.',
  '<!-- when: targetMet -->',
  'Met with room to spare.',
  '<!-- else -->',
  '**Bottleneck analysis.** One round trip per record.',
  '<!-- end -->',
  '',
].join('\n');

describe('Template', () => {
  it('fills placeholders and keeps the alternative the flag chooses, dropping the marker lines', () => {
    // Prepare
    const template = new Template(verdictTemplate, 'catch-up.md');

    // Act
    const met = template.render({ multiple: '12.50', targetMet: true });
    const notMet = template.render({ multiple: '1.44', targetMet: false });

    // Assess
    expect(met).toBe('Target: drain ≥ 10x — 12.50x.\nMet with room to spare.\n');
    expect(notMet).toBe(
      'Target: drain ≥ 10x — 1.44x.\n**Bottleneck analysis.** One round trip per record.\n',
    );
  });

  it('keeps an unless block when its flag is false, and inline alternatives within their line', () => {
    // Prepare
    const template = new Template(
      'Targets — met<!-- unless: allMet --> ({{missed}} bundles miss one)<!-- end -->.\n',
      'cold-start.md',
    );

    // Act
    const missed = template.render({ allMet: false, missed: 3 });
    const allMet = template.render({ allMet: true, missed: 0 });

    // Assess
    expect(missed).toBe('Targets — met (3 bundles miss one).\n');
    expect(allMet).toBe('Targets — met.\n');
  });

  it('takes names with dots and dashes, and leaves text that only looks like a placeholder', () => {
    // Prepare
    const template = new Template(
      '{{figures.scenario-1-}} and {single} and {{ two words }}',
      'reliability.md',
    );

    // Act
    const text = template.render({ 'figures.scenario-1-': '- Injected: a kill' });

    // Assess
    expect(text).toBe('- Injected: a kill and {single} and {{ two words }}');
  });

  it('fails naming the placeholder that got no value', () => {
    // Prepare
    const template = new Template(verdictTemplate, 'catch-up.md');

    // Act
    const render = () => template.render({ targetMet: true });

    // Assess
    expect(render).toThrow(TemplateError);
    expect(render).toThrow('catch-up.md: no value for {{multiple}}');
  });

  it('fails naming a value that no placeholder or flag uses', () => {
    // Prepare
    const template = new Template(verdictTemplate, 'catch-up.md');

    // Act
    const render = () => template.render({ multiple: '1.44', targetMet: false, drainSeconds: '20.4' });

    // Assess
    expect(render).toThrow('catch-up.md: no placeholder or flag uses drainSeconds');
  });

  it('fails on a flag without true or false, and on a boolean given to a placeholder', () => {
    // Prepare
    const template = new Template(verdictTemplate, 'catch-up.md');

    // Act
    const undecided = () => template.render({ multiple: '1.44' });
    const booleanValue = () => template.render({ multiple: true, targetMet: true });

    // Assess
    expect(undecided).toThrow('flag targetMet needs true or false');
    expect(booleanValue).toThrow('{{multiple}} got a boolean');
  });

  it('accepts no value for a placeholder in the alternative not chosen', () => {
    // Prepare
    const template = new Template(
      'Highest step: <!-- when: someStepMet -->{{rate}}/s<!-- else -->none<!-- end -->\n',
      'e2e-load.md',
    );

    // Act
    const none = template.render({ someStepMet: false, rate: undefined });

    // Assess
    expect(none).toBe('Highest step: none\n');
  });

  it('drops the line of a placeholder that stands alone with an empty value, so an empty table leaves no gap', () => {
    // Prepare
    const template = new Template(
      '| run | records/s |\n|---|---|\n{{rows}}\n\nNo target.\n',
      'kafka-ceiling.md',
    );

    // Act
    const empty = template.render({ rows: '' });
    const filled = template.render({ rows: '| consume | 149662 |' });

    // Assess
    expect(empty).toBe('| run | records/s |\n|---|---|\n\nNo target.\n');
    expect(filled).toBe('| run | records/s |\n|---|---|\n| consume | 149662 |\n\nNo target.\n');
  });

  it('renders snippets on their own, with their own values, and leaves them out of the body', () => {
    // Prepare
    const template = new Template(
      [
        'Runs:',
        '{{rows}}',
        '',
        '<!-- snippet: run -->',
        '| {{label}} | <!-- when: outage -->yes<!-- else -->no<!-- end --> |',
        '<!-- end -->',
        '',
        '<!-- snippet: summary -->',
        '| 7 before/after ({{mode}}) |',
        '<!-- end -->',
        '',
      ].join('\n'),
      'before-after.md',
    );

    // Act
    const row = template.snippet('run', { label: 'event-driven', outage: true });
    const body = template.render({ rows: row });

    // Assess
    expect(row).toBe('| event-driven | yes |');
    expect(body).toBe('Runs:\n| event-driven | yes |\n');
    expect(() => template.snippet('run', { label: 'chain', outage: false, mode: 'full' })).toThrow(
      'before-after.md, snippet run: no placeholder or flag uses mode',
    );
    expect(() => template.snippet('total')).toThrow('before-after.md: no snippet total');
  });

  it.each([
    ['<!-- when: met -->never closed\n', 'when met is never closed'],
    ['text<!-- end -->\n', '<!-- end --> without a block to close'],
    ['<!-- else -->\n', '<!-- else --> outside a when or unless block'],
    ['{{met}}<!-- when: met -->x<!-- end -->\n', 'met used both as a flag and as a placeholder'],
    ['<!-- snippet: a -->x<!-- end -->\n<!-- snippet: a -->y<!-- end -->\n', 'snippet a is defined twice'],
    ['<!-- snippet: a -->x<!-- end -->\nstray prose\n', 'text after the snippets'],
    ['<!-- snippet: a -->x<!-- end -->\n{{stray}}\n', '{{stray}} after the snippets'],
  ])('rejects a malformed template: %j', (source, message) => {
    // Act
    const parse = () => new Template(source, 'broken.md');

    // Assess
    expect(parse).toThrow(TemplateError);
    expect(parse).toThrow(message);
  });
});
