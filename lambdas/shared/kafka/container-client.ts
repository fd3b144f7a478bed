/**
 * One connected Kafka client per execution environment, reused by every invocation: connected on
 * first use, never kept after a failed connection (the next use connects again), and replaced
 * after a failed request so the next one starts on a fresh connection.
 */
export interface ConnectableClient {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

export class ContainerClient<T extends ConnectableClient> {
  #pending: Promise<T> | undefined;

  public constructor(private readonly create: () => Promise<T>) {}

  /** The connected client, connecting it on first use. */
  public get(): Promise<T> {
    this.#pending ??= (async () => {
      const client = await this.create();
      await client.connect();
      return client;
    })().catch((error: unknown) => {
      this.#pending = undefined;
      throw error;
    });
    return this.#pending;
  }

  /** Drops `failed` (if it is still the current client) and disconnects it. */
  public async discard(failed: T): Promise<void> {
    if ((await this.#pending?.catch(() => undefined)) === failed) this.#pending = undefined;
    await failed.disconnect();
  }

  /** Disconnects the current client, if any (local mode shutdown, tests). */
  public async disconnect(): Promise<void> {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) await (await pending.catch(() => undefined))?.disconnect();
  }
}
