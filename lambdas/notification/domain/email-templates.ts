/**
 * The customer e-mails: one renderer per template, used both for e-mails the pipeline decides to
 * send (OrderConfirmed, OrderFailed) and for SendEmail commands naming a template, so a template
 * reads the same whoever asks for it.
 */
import type { FailureReason, Payload } from '../../shared/events/payloads';

export type TemplateName = Payload<'SendEmail'>['template'];
export type TemplateVariables = Payload<'SendEmail'>['variables'];

export interface EmailContent {
  readonly subject: string;
  readonly text: string;
}

/** Failure reasons in the customer's words; internals (timeouts, which service) stay inside. */
export const CUSTOMER_REASONS: Readonly<Record<FailureReason, string>> = {
  OUT_OF_STOCK: 'Some of the items you ordered are no longer in stock.',
  UNKNOWN_SKU: 'Some of the items you ordered are no longer available in our shop.',
  PAYMENT_DECLINED:
    'Your payment was declined. Please check your payment details or use another payment method.',
  PAYMENT_TIMEOUT: 'We could not confirm your payment in time. You have not been charged.',
  INVENTORY_TIMEOUT: 'We could not check the availability of your items in time.',
  CONFIRMATION_FAILED: 'We could not complete your order because of a technical problem on our side.',
  INTERNAL_ERROR: 'We could not complete your order because of a technical problem on our side.',
};

const GENERIC_REASON = 'We could not complete your order.';

export function customerReason(reason: string): string {
  return (CUSTOMER_REASONS as Readonly<Record<string, string>>)[reason] ?? GENERIC_REASON;
}

/** `1999, 'EUR'` -> `EUR 19.99`; amounts travel in minor units. */
export function formatMoney(minorUnits: number, currency: string): string {
  return `${currency} ${(minorUnits / 100).toFixed(2)}`;
}

function text(variables: TemplateVariables, name: string, fallback = ''): string {
  const value = variables[name];
  return value === undefined ? fallback : String(value);
}

type Renderer = (variables: TemplateVariables) => EmailContent;

const RENDERERS: Readonly<Record<TemplateName, Renderer>> = {
  'order-confirmed': (v) => ({
    subject: `Your order ${text(v, 'orderId')} is confirmed`,
    text: [
      'Thank you for your order!',
      '',
      `Order: ${text(v, 'orderId')}`,
      ...(v.summary === undefined ? [] : [text(v, 'summary')]),
      ...(v.total === undefined ? [] : [`Total: ${text(v, 'total')}`]),
      '',
      'We will let you know when it ships.',
    ].join('\n'),
  }),
  'order-failed': (v) => ({
    subject: `We could not complete your order ${text(v, 'orderId')}`,
    text: [
      `We are sorry: your order ${text(v, 'orderId')} could not be completed.`,
      '',
      text(v, 'reason', GENERIC_REASON),
      '',
      'If you were charged, the amount will be refunded.',
    ].join('\n'),
  }),
  'shipment-created': (v) => ({
    subject: `Your order ${text(v, 'orderId')} is on its way`,
    text: [
      `Your order ${text(v, 'orderId')} has been handed to our warehouse.`,
      ...(v.shipmentId === undefined ? [] : [`Shipment: ${text(v, 'shipmentId')}`]),
    ].join('\n'),
  }),
};

export function renderTemplate(template: TemplateName, variables: TemplateVariables): EmailContent {
  return RENDERERS[template](variables);
}
