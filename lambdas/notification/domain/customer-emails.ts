/**
 * Which e-mail, if any, a message asks for. Pure: the use case sends what this returns.
 */
import type { TypedEnvelope } from '../../shared/events/codec';
import type { MessageType } from '../../shared/events/payloads';
import {
  customerReason,
  type EmailContent,
  formatMoney,
  renderTemplate,
  type TemplateName,
} from './email-templates';

export interface CustomerEmail extends EmailContent {
  /** Identifies the e-mail across retries: the id of the message that asked for it. */
  readonly messageId: string;
  readonly orderId: string;
  readonly to: string;
  readonly template: TemplateName;
}

export const NOTIFIED_TYPES = [
  'OrderConfirmed',
  'OrderFailed',
  'SendEmail',
] as const satisfies readonly MessageType[];
export type NotifiedType = (typeof NOTIFIED_TYPES)[number];
export type NotifiedMessage = { [T in NotifiedType]: TypedEnvelope<T> }[NotifiedType];

export function isNotifiedType(type: string): type is NotifiedType {
  return (NOTIFIED_TYPES as readonly string[]).includes(type);
}

function unitsOf(items: readonly { quantity: number }[]): number {
  return items.reduce((sum, line) => sum + line.quantity, 0);
}

export function emailFor(message: NotifiedMessage): CustomerEmail {
  const base = { messageId: message.eventId, orderId: message.orderId };
  switch (message.eventType) {
    case 'OrderConfirmed': {
      const { email, items, total, currency } = message.data;
      const units = unitsOf(items);
      return {
        ...base,
        to: email,
        template: 'order-confirmed',
        ...renderTemplate('order-confirmed', {
          orderId: message.orderId,
          summary: `${units} item${units === 1 ? '' : 's'}`,
          total: formatMoney(total, currency),
        }),
      };
    }
    case 'OrderFailed':
      return {
        ...base,
        to: message.data.email,
        template: 'order-failed',
        ...renderTemplate('order-failed', {
          orderId: message.orderId,
          reason: customerReason(message.data.reason),
        }),
      };
    case 'SendEmail':
      return {
        ...base,
        to: message.data.to,
        template: message.data.template,
        ...renderTemplate(message.data.template, { orderId: message.orderId, ...message.data.variables }),
      };
  }
}
