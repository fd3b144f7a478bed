import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quota } from '../../lib/config/aws-quotas';
import { STAGES } from '../../lib/config/stages';
import { docsSections, replaceSections } from '../../scripts/lib/capacity/render';
import {
  capacityReport,
  DEFAULT_REGION,
  DESIGN_ORDERS_PER_SECOND,
  MINIMUM_HEADROOM,
  readUnitCounts,
  UNIT_COUNTS_FILE,
} from '../../scripts/lib/capacity/report';

const ROOT = join(__dirname, '..', '..');

describe('prod carries 100x the shop peak with twice the headroom (measured per-order units)', () => {
  // Prepare
  const units = readUnitCounts(join(ROOT, UNIT_COUNTS_FILE));
  const design = { region: DEFAULT_REGION, ordersPerSecond: DESIGN_ORDERS_PER_SECOND, units, repoRoot: ROOT };
  const prod = capacityReport({ ...design, stage: 'prod' });

  it(`keeps every limit at ${MINIMUM_HEADROOM}x or more at 417 orders/s, or names the quota request that restores it`, () => {
    // Act
    const shortfalls = prod.findings.map((finding) => `${finding.row.what}: ${finding.problem}`);

    // Assess
    expect(shortfalls).toEqual([]);
  });

  it('asks only for adjustable quotas, each for a limit the model shows', () => {
    // Act
    const requests = STAGES.prod.quotaRequests;

    // Assess
    for (const request of requests) {
      expect(quota(request.quota).adjustable, request.quota).toBe(true);
      expect(
        prod.rows.some((row) => row.quota === request.quota),
        `${request.quota} limits nothing on the order path`,
      ).toBe(true);
    }
  });

  it('lists every quota request of prod, with its value, in the README deploy guide', () => {
    // Act
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

    // Assess
    for (const request of STAGES.prod.quotaRequests) {
      expect(readme).toContain(`\`${request.quota}\`: ${request.value.toLocaleString('en-US')}`);
    }
  });

  it('has docs/infrastructure.md carry the report as rendered from the committed unit counts', () => {
    // Prepare
    const dev = capacityReport({ ...design, stage: 'dev' });
    const page = readFileSync(join(ROOT, 'docs', 'infrastructure.md'), 'utf8');

    // Act
    const rendered = replaceSections(page, docsSections(prod, dev));

    // Assess: `npm run capacity -- --write-docs` brings the page up to date
    expect(page).toBe(rendered);
  });
});
