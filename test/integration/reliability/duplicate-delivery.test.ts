/**
 * Reliability scenario 5: a duplicate delivery storm. While orders flow, every record the run
 * writes for them (commands, events, on every topic) is produced once more, so each consumer group
 * receives it twice; every other copy lands on another partition and is handled concurrently with
 * its original. Nothing may happen twice: one charge, one stock movement, one points credit, one
 * e-mail, one analytics count per order.
 */
import { describe, expect, it } from 'vitest';
import { Shop } from '../e2e/shop';
import { Duplicator } from './duplicator';
import { openBooks, placeOrders, planOrders, sleep, usePipeline, writeResult } from './scenario';

const scenario = usePipeline();

describe('scenario 5: duplicate delivery storm', () => {
  it('absorbs a second delivery of every record, some concurrent with the first, with zero duplicate effects', async () => {
    // Prepare
    const started = Date.now();
    const { pipeline, ledger } = scenario;
    const shop = new Shop(pipeline);
    const initialStock = await openBooks(pipeline, ledger);
    const confirmedBefore = await shop.confirmedToday();
    const keys = new Set<string>();
    const duplicator = new Duplicator(pipeline.endpoints.kafkaBrokers, keys);
    await duplicator.mark();
    const plans = planOrders('duplicates', 15, (i) => (i % 5 === 4 ? 'tok_decline' : 'tok_approve'));

    // Act: copy rounds run while the orders flow, and once more after they settled
    let placing = true;
    const storm = (async () => {
      while (placing) {
        await duplicator.round();
        await sleep(1_000);
      }
    })();
    // An order's id is known when checkout answers, before the saga publishes its first record.
    const placed = await placeOrders(pipeline, plans, {
      parallel: 2,
      gapMs: 200,
      onPlaced: (order) => order.orderId && keys.add(order.orderId),
    });
    placing = false;
    await storm;
    await ledger.waitForTerminal(placed, ['CONFIRMED', 'FAILED'], 120_000);
    // Copies of the copies' answers (e.g. a second StockReserved) are copied too, in later rounds.
    for (let i = 0; i < 2; i++) {
      await duplicator.round();
      await pipeline.waitForConsumersIdle().catch(() => undefined);
    }
    await duplicator.close();

    // Assess
    const verdict = await ledger.verifyEventually(placed, initialStock, ['CONFIRMED', 'FAILED']);
    const confirmed = verdict.statuses.CONFIRMED ?? 0;
    const declinedExpected = plans.filter(
      (p) => (p.body.payment as { token: string }).token === 'tok_decline',
    ).length;
    const mails = (
      await Promise.all([...new Set(plans.map((p) => String(p.body.email)))].map((to) => shop.mail(to)))
    ).flat();
    const mailsPerOrder = new Map<string, number>();
    for (const mail of mails) {
      mailsPerOrder.set(String(mail.orderId), (mailsPerOrder.get(String(mail.orderId)) ?? 0) + 1);
    }
    const extraMails = [...mailsPerOrder].reduce((sum, [, n]) => sum + Math.max(0, n - 1), 0);
    const analyticsDelta = (await shop.confirmedToday()) - confirmedBefore;
    const analyticsExpected = confirmed;
    const extraEffects =
      Math.max(0, verdict.charges - verdict.chargesExpected) +
      Math.max(0, verdict.points - verdict.pointsExpected) +
      extraMails +
      Math.max(0, analyticsDelta - analyticsExpected);
    const seen = duplicator.deliveries();
    const result = writeResult(
      {
        id: 'scenario-5-duplicate-delivery',
        title: '5. Duplicate delivery storm',
        fault: `every record of 15 orders (${[...duplicator.copies.values()].reduce((a, b) => a + b, 0)} records on ${duplicator.copies.size} topics) produced a second time; every other copy on a neighbouring partition, handled concurrently`,
        durationSeconds: Math.round((Date.now() - started) / 1000),
        duplicatesSeen: seen,
        duplicatesAbsorbed: seen - extraEffects,
        notes: [
          `copies per topic: ${[...duplicator.copies].map(([t, n]) => `${t} ${n}`).join(', ')}`,
          `e-mails: ${mails.length} for ${mailsPerOrder.size} orders (extra ${extraMails}); analytics confirmed +${analyticsDelta} for ${confirmed} confirmed`,
          `${declinedExpected} orders used tok_decline and are expected FAILED`,
        ],
        problems: [
          ...(extraMails > 0 ? [`${extraMails} duplicate e-mails`] : []),
          ...(analyticsDelta !== analyticsExpected
            ? [`analytics counted ${analyticsDelta} confirmations, expected ${analyticsExpected}`]
            : []),
          ...(mailsPerOrder.size !== verdict.accepted
            ? [`${mailsPerOrder.size} orders e-mailed of ${verdict.accepted}`]
            : []),
          ...(seen === 0 ? ['no record was duplicated: the storm did not happen'] : []),
        ],
      },
      verdict,
    );
    expect(result.problems).toEqual([]);
  }, 420_000);
});
