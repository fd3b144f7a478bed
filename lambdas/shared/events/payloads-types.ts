/** Type-only view of the payload shapes, for modules that must not load zod at runtime. */
export type {
  Currency,
  FailureReason,
  MessageType,
  OrderLine,
  Payload,
  ShippingAddress,
  StockLine,
} from './payloads';
