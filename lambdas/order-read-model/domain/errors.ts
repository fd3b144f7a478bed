/** The read model's typed errors. The GET handler maps each one once to a response. */

/** The order does not exist or belongs to another customer; both look the same to the caller (404). */
export class OrderNotFoundError extends Error {
  public constructor(
    public readonly orderId: string,
    options: { cause?: unknown } = {},
  ) {
    super(`Order ${orderId} was not found`, { cause: options.cause });
    this.name = 'OrderNotFoundError';
  }
}
