import { describe, expect, it } from 'vitest';
import { render } from '../../../scripts/reliability-report';

const result = {
  id: 'scenario-5-duplicate-delivery',
  title: '5. Duplicate delivery storm',
  fault: 'every record twice',
  passed: true,
  placed: 15,
  accepted: 15,
  refused: 0,
  endedCorrectly: 15,
  confirmed: 12,
  expectedConfirmed: 12,
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
      '| 5. Duplicate delivery storm | pass | every record twice | 15 (15 accepted) | 15 / 15 | 12 / 12 | 12 / 12 | exact | 300 / 300 | 314 / 314 | 221 s |',
    );
    expect(markdown).toContain('| 1. Consumer process SIGKILLed mid-batch, restarted | not run |');
    expect(markdown).toContain('| 2. Kafka broker SIGKILLed under load, restarted | not run |');
    expect(markdown).toContain('| 9. Rolling restart of a three-broker cluster under load | not run |');
    expect(markdown).toContain('| 10a. inventoryService stalled for 30 s under load | not run |');
    expect(markdown).toContain('| 10b. paymentService stalled for 30 s under load | not run |');
    expect(markdown).toContain('| 11. Overload: 40 checkouts/s offered for 30 s | not run |');
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
      '| 1. Consumer process SIGKILLed mid-batch, restarted | pass | SIGKILL of the consumer process mid-batch | 15 (15 accepted) | 15 / 15 | 12 / 12 | 12 / 12 | exact | 300 / 300 | 42 / 42 | 150 s |',
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

  it('shows refusals and confirmed / expected of the overload scenario, and the rule of a scenario that judges outcomes itself', () => {
    // Prepare
    const overload = {
      ...result,
      id: 'scenario-11-overload',
      title: '11. Overload: 40 checkouts/s offered for 30 s',
      fault: '1200 checkouts offered',
      placed: 1200,
      accepted: 300,
      refused: 900,
      endedCorrectly: 300,
      confirmed: 268,
      expectedConfirmed: 270,
      passed: false,
      problems: ['268 orders CONFIRMED, 270 expected'],
    };
    const payment = {
      ...result,
      id: 'scenario-7-payment-provider',
      title: '7. Payment provider slow or down; a compensation that cannot run',
      confirmed: 28,
      expectedConfirmed: 30,
      outcomeRule: 'a card that never answers ends FAILED',
    };
    // Act
    const markdown = render([overload, payment]);
    // Assess
    expect(markdown).toContain(
      '| 11. Overload: 40 checkouts/s offered for 30 s | **FAIL** | 1200 checkouts offered | 1200 (300 accepted, 900 refused) | 300 / 300 | 268 / 270 |',
    );
    expect(markdown).toContain('- Confirmed / expected: 268 / 270; 900 checkouts refused with Retry-After');
    expect(markdown).toContain('| 15 (15 accepted) | 15 / 15 | 28 / 30 (own rule) |');
    expect(markdown).toContain(
      '- Outcome rule of its own (confirmed / expected not judged): a card that never answers ends FAILED',
    );
  });

  it('takes its scenarios and prose from the template, and refuses a result the template has no scenario for', () => {
    // Prepare
    const template = [
      'Finished {{finishedAt}}.',
      '{{summaryRows}}',
      '### 5. Duplicate delivery storm',
      '- Limit: copies on a neighbouring partition.',
      '{{figures.scenario-5-}}',
    ].join('\n');
    const stray = { ...result, id: 'scenario-12-unknown' };

    // Act
    const markdown = render([result], template);
    const unknown = () => render([result, stray], template);

    // Assess
    expect(markdown).toContain('| 5. Duplicate delivery storm | pass |');
    expect(markdown).toContain(
      '- Limit: copies on a neighbouring partition.\n- Injected: every record twice',
    );
    expect(markdown).not.toContain('{{');
    expect(unknown).toThrow(/no scenario for the result\(s\) scenario-12-unknown/);
  });
});
