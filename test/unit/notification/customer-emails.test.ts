import { describe, expect, it } from 'vitest';
import type { CustomerEmail } from '../../../lambdas/notification/domain/customer-emails';
import { emailFor, isNotifiedType } from '../../../lambdas/notification/domain/customer-emails';
import {
  CUSTOMER_REASONS,
  customerReason,
  formatMoney,
  renderTemplate,
} from '../../../lambdas/notification/domain/email-templates';
import type { EmailSender } from '../../../lambdas/notification/ports/email-sender';
import { notifyCustomer } from '../../../lambdas/notification/use-cases/notify-customer';
import { orderEvents as e, envelope, ORDER_ID } from '../../fixtures/consumers/order-events';
import { InMemorySentEmails } from './fakes';

describe('customer e-mails', () => {
  it('confirms an order with its total and item count', () => {
    // Prepare
    const confirmed = e.orderConfirmed('2026-11-24T10:00:00.000Z');

    // Act
    const email = emailFor(confirmed);

    // Assess
    expect(email).toMatchObject({
      messageId: confirmed.eventId,
      orderId: ORDER_ID,
      to: 'ada@example.com',
      template: 'order-confirmed',
      subject: `Your order ${ORDER_ID} is confirmed`,
    });
    expect(email.text).toContain('Total: EUR 44.98');
    expect(email.text).toContain('3 items');
  });

  it('explains a failure in customer words, never the internal reason code', () => {
    // Prepare
    const failed = e.orderFailed('2026-11-24T10:00:00.000Z', 'PAYMENT_TIMEOUT');

    // Act
    const email = emailFor(failed);

    // Assess
    expect(email.template).toBe('order-failed');
    expect(email.text).toContain(CUSTOMER_REASONS.PAYMENT_TIMEOUT);
    expect(email.text).not.toContain('PAYMENT_TIMEOUT');
  });

  it('sends a SendEmail command as asked, with its variables', () => {
    // Prepare
    const command = envelope(
      'SendEmail',
      { to: 'bob@example.com', template: 'shipment-created', variables: { shipmentId: 'SHP-1' } },
      { at: '2026-11-24T10:00:00.000Z' },
    );

    // Act
    const email = emailFor(command);

    // Assess
    expect(email).toMatchObject({ to: 'bob@example.com', template: 'shipment-created' });
    expect(email.subject).toBe(`Your order ${ORDER_ID} is on its way`);
    expect(email.text).toContain('Shipment: SHP-1');
  });

  it('renders every template with few variables without failing', () => {
    expect(renderTemplate('order-confirmed', { orderId: 'o-1' }).text).not.toContain('Total');
    expect(renderTemplate('order-failed', { orderId: 'o-1' }).text).toContain(
      'could not complete your order',
    );
    expect(renderTemplate('shipment-created', {}).text).not.toContain('Shipment:');
    expect(
      renderTemplate('order-confirmed', { orderId: 'o-1', summary: '1 item', total: 'EUR 1.00' }).text,
    ).toContain('1 item');
  });

  it('formats money and unknown reasons', () => {
    expect(formatMoney(5, 'GBP')).toBe('GBP 0.05');
    expect(customerReason('SOMETHING_NEW')).toBe('We could not complete your order.');
    expect(isNotifiedType('SendEmail')).toBe(true);
    expect(isNotifiedType('OrderPlaced')).toBe(false);
  });

  it('uses the singular for one item', () => {
    // Prepare
    const confirmed = envelope(
      'OrderConfirmed',
      {
        customerId: 'c',
        items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 100 }],
        total: 100,
        currency: 'EUR',
        email: 'a@example.com',
      },
      { at: '2026-11-24T10:00:00.000Z' },
    );

    // Act
    const email = emailFor(confirmed);

    // Assess
    expect(email.text).toContain('1 item\n');
  });

  it('hands the e-mail to the sender through the use case', async () => {
    // Prepare
    const sent: CustomerEmail[] = [];
    const sender: EmailSender = { send: async (email) => void sent.push(email) };
    const sentEmails = new InMemorySentEmails();

    // Act
    const result = await notifyCustomer({ sender, sentEmails }, e.orderFailed('2026-11-24T10:00:00.000Z'));

    // Assess
    expect(result.sent).toBe(true);
    expect(sent).toEqual([result.email]);
  });

  it('sends each kind of e-mail once per order, even when the fact is republished under a new event id', async () => {
    // Prepare: ConfirmOrder was retried, so OrderConfirmed exists twice with two event ids.
    const sent: CustomerEmail[] = [];
    const deps = {
      sender: { send: async (email: CustomerEmail) => void sent.push(email) },
      sentEmails: new InMemorySentEmails(),
    };
    const first = e.orderConfirmed('2026-11-24T10:00:00.000Z');
    const republished = e.orderConfirmed('2026-11-24T10:00:03.000Z');

    // Act
    const results = [
      await notifyCustomer(deps, first),
      await notifyCustomer(deps, republished),
      await notifyCustomer(deps, first),
      await notifyCustomer(deps, e.orderFailed('2026-11-24T10:00:05.000Z')),
    ];

    // Assess: neither the copy nor a later delivery of the first message sends again.
    expect(results.map((result) => result.sent)).toEqual([true, false, false, true]);
    expect(sent.map((email) => [email.template, email.messageId])).toEqual([
      ['order-confirmed', first.eventId],
      ['order-failed', expect.any(String)],
    ]);
  });

  it('sends on the retry of a message whose send failed, and only then marks the e-mail sent', async () => {
    // Prepare: SES is throttling on the first attempt.
    const sent: CustomerEmail[] = [];
    let failures = 1;
    const sentEmails = new InMemorySentEmails();
    const deps = {
      sender: {
        send: async (email: CustomerEmail) => {
          if (failures-- > 0) throw new Error('TooManyRequestsException');
          sent.push(email);
        },
      },
      sentEmails,
    };
    const confirmed = e.orderConfirmed('2026-11-24T10:00:00.000Z');

    // Act
    const firstAttempt = notifyCustomer(deps, confirmed);
    await expect(firstAttempt).rejects.toThrow('TooManyRequestsException');
    const notMarked = sentEmails.sent.size;
    const retry = await notifyCustomer(deps, confirmed);

    // Assess
    expect(notMarked).toBe(0);
    expect(retry.sent).toBe(true);
    expect(sent).toHaveLength(1);
    expect(sentEmails.sent).toEqual(new Set([`${confirmed.orderId}#order-confirmed`]));
  });
});
