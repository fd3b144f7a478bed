/**
 * Reliability scenario 7: the card processor slow or down at scale. A mixed load where a quarter
 * of the cards never answer (tok_timeout) and a quarter fail twice before approving (tok_flaky):
 * every order ends CONFIRMED or FAILED with its stock released, none stays PENDING. Then a
 * compensation that cannot run: the inventory service is paused while ReleaseStock runs through its
 * retries, so the saga raises NEEDS_ATTENTION (OrderNeedsAttention reaches the read model); once the
 * service is back the late ReleaseStock still releases the stock.
 */
import { describe, expect, it } from 'vitest';
import { longestCompensationSeconds } from '../../../lib/config/saga-timing';
import { STAGES } from '../../../lib/config/stages';
import type { PlacedOrder } from './ledger';
import { openBooks, placeOrders, planOrders, sleep, usePipeline, writeResult } from './scenario';

const scenario = usePipeline();

const TOKENS = ['tok_approve', 'tok_timeout', 'tok_approve', 'tok_flaky'] as const;

/** Longest ReleaseStock can take before the saga gives up (the local mode runs dev), and a minute of slack. */
const COMPENSATION_BUDGET_MS = (longestCompensationSeconds(STAGES.dev, 'releaseStock') + 60) * 1000;

describe('scenario 7: payment provider slow or down', () => {
  it(
    'ends every order CONFIRMED or FAILED with stock released, and raises NEEDS_ATTENTION when a compensation cannot run',
    async () => {
      // Prepare
      const started = Date.now();
      const { pipeline, ledger } = scenario;
      const initialStock = await openBooks(pipeline, ledger);
      const plans = planOrders('payment', 40, (i) => TOKENS[i % TOKENS.length]!);
      const stuck = planOrders('payment-stuck', 2, () => 'tok_timeout', 2);

      // Act: the mixed load, then two orders whose compensation meets a paused inventory service
      const placed = await placeOrders(pipeline, plans, { parallel: 2, gapMs: 300 });
      const statuses = await ledger.waitForTerminal(placed, ['CONFIRMED', 'FAILED'], 120_000);
      const stuckPlaced = await placeOrders(pipeline, stuck, { parallel: 2 });
      for (const order of stuckPlaced) {
        await ledger.waitForTerminal([order], ['STOCK_RESERVED', 'PAID', 'CONFIRMED', 'FAILED'], 30_000);
      }
      await pipeline.pause('inventoryService');
      // ReleaseStock must outlast outages: it waits a whole pick-up budget twice before the saga
      // gives up, so the service stays paused for all of it.
      const stuckStatuses = await ledger.waitForTerminal(
        stuckPlaced,
        ['NEEDS_ATTENTION', 'FAILED'],
        COMPENSATION_BUDGET_MS,
      );
      await pipeline.resume('inventoryService');
      await pipeline.waitForConsumersIdle();
      await sleep(1_000);

      // Assess
      const all: PlacedOrder[] = [...placed, ...stuckPlaced];
      const verdict = await ledger.verifyEventually(all, initialStock, [
        'CONFIRMED',
        'FAILED',
        'NEEDS_ATTENTION',
      ]);
      const expectedByToken = placed.map((order, i) => ({
        order,
        expected: TOKENS[i % TOKENS.length] === 'tok_timeout' ? 'FAILED' : 'CONFIRMED',
      }));
      const wrongOutcome = expectedByToken.filter(
        ({ order, expected }) => statuses[order.orderId!] !== expected,
      );
      // A card that never answers fails within its processing limit; the others, queued behind it
      // on the same partitions, wait within their pick-up budget and are confirmed.
      const problems = [
        ...wrongOutcome.map(
          ({ order, expected }) =>
            `order ${order.orderId} ended ${statuses[order.orderId!]}, its card dictates ${expected}`,
        ),
        ...stuckPlaced
          .filter((order) => stuckStatuses[order.orderId!] !== 'NEEDS_ATTENTION')
          .map(
            (order) =>
              `order ${order.orderId} ended ${stuckStatuses[order.orderId!]}, expected NEEDS_ATTENTION`,
          ),
      ];
      const result = writeResult(
        {
          id: 'scenario-7-payment-provider',
          title: '7. Payment provider slow or down; a compensation that cannot run',
          fault:
            '40 orders: 10 tok_timeout (never answers), 10 tok_flaky (2 transient failures), 20 tok_approve; then 2 tok_timeout orders with the inventory consumer paused during ReleaseStock',
          durationSeconds: Math.round((Date.now() - started) / 1000),
          outcomeRule:
            'a card that never answers (tok_timeout) ends FAILED, an approved or flaky card CONFIRMED; the two orders whose compensation meets a paused inventory service end NEEDS_ATTENTION',
          notes: [
            `mixed load: ${expectedByToken.length - wrongOutcome.length}/${expectedByToken.length} ended as their card dictates (timeout -> FAILED, flaky/approve -> CONFIRMED)`,
            `compensation failure: ${stuckPlaced.filter((o) => stuckStatuses[o.orderId!] === 'NEEDS_ATTENTION').length}/${stuckPlaced.length} orders NEEDS_ATTENTION; stock released once the inventory service came back`,
          ],
          problems,
        },
        verdict,
      );
      expect(result.problems).toEqual([]);
    },
    240_000 + COMPENSATION_BUDGET_MS,
  );
});
