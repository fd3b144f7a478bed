import { describe, expect, it } from 'vitest';
import { render } from '../../../scripts/reliability-report';

const result = {
  id: 'scenario-5-duplicate-delivery',
  title: '5. Duplicate delivery storm',
  fault: 'every record twice',
  passed: true,
  placed: 15,
  accepted: 15,
  endedCorrectly: 15,
  statuses: { CONFIRMED: 12, 'FAILED (PAYMENT_DECLINED)': 3 },
  charges: 12,
  chargesExpected: 12,
  stockExact: true,
  stockDetail: 'SKU-1 9990/9990',
  points: 300,
  pointsExpected: 300,
  duplicatesSeen: 314,
  duplicatesAbsorbed: 314,
  durationSeconds: 221,
  notes: ['copies per topic: orders.events 30'],
  problems: [],
  finishedAt: '2026-11-24T22:42:43.007Z',
};

describe('render', () => {
  it('shows a row per scenario with the figures of those that ran, and never passes one that did not run', () => {
    // Prepare / Act
    const markdown = render([result]);
    // Assess
    expect(markdown).toContain(
      '| 5. Duplicate delivery storm | pass | every record twice | 15 (15 accepted) | 15 / 15 | 12 / 12 | exact | 300 / 300 | 314 / 314 | 221 s |',
    );
    expect(markdown).toContain('| 1. Consumer process SIGKILLed mid-batch, restarted | not run |');
    expect(markdown).toContain('| 2. Kafka broker SIGKILLed under load, restarted | not run |');
    expect(markdown).toContain('Figures from the run finished 2026-11-24T22:42:43.007Z.');
  });

  it('renders scenario 1 from its result file, with its duplicates and the limit of the local mode', () => {
    // Prepare
    const consumerKill = {
      ...result,
      id: 'scenario-1-consumer-kill',
      title: '1. Consumer process SIGKILLed mid-batch, restarted',
      fault: 'SIGKILL of the consumer process mid-batch',
      duplicatesSeen: 42,
      duplicatesAbsorbed: 42,
      durationSeconds: 150,
      notes: ['in flight at the kill: 2 invocations with 7 records'],
    };
    // Act
    const markdown = render([consumerKill]);
    // Assess
    expect(markdown).toContain(
      '| 1. Consumer process SIGKILLed mid-batch, restarted | pass | SIGKILL of the consumer process mid-batch | 15 (15 accepted) | 15 / 15 | 12 / 12 | exact | 300 / 300 | 42 / 42 | 150 s |',
    );
    expect(markdown).toContain('- in flight at the kill: 2 invocations with 7 records');
    expect(markdown).toContain(
      '- Limit: the notification, analytics and loyalty consumers run in a child process',
    );
  });

  it('marks a failed scenario and lists its problems', () => {
    // Prepare
    const failed = {
      ...result,
      passed: false,
      stockExact: false,
      problems: ['stock of SKU-1 is 9989, expected 9990'],
    };
    // Act
    const markdown = render([failed]);
    // Assess
    expect(markdown).toContain('| 5. Duplicate delivery storm | **FAIL** |');
    expect(markdown).toContain('| MISMATCH |');
    expect(markdown).toContain('  - stock of SKU-1 is 9989, expected 9990');
  });
});
