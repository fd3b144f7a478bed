/**
 * Kafka reads the local pipeline makes besides the handlers' own traffic: the sum of end offsets
 * over the catalogue's topics (the dashboard's events produced).
 */
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { TOPICS } from '../../lib/config/topics';

export class PipelineKafka {
  private readonly kafka: Kafka;
  private admin: Admin | undefined;

  constructor(brokers: readonly string[]) {
    this.kafka = new Kafka({
      clientId: 'order-pipeline-local-tools',
      brokers: [...brokers],
      logLevel: logLevel.ERROR,
      retry: { retries: 5, initialRetryTime: 200 },
    });
  }

  async connect(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
  }

  async disconnect(): Promise<void> {
    await this.admin?.disconnect();
    this.admin = undefined;
  }

  /** Sum of end offsets (records ever written) over every catalogue topic. */
  async endOffsetSum(): Promise<number> {
    if (!this.admin) throw new Error('PipelineKafka is not connected');
    let sum = 0;
    for (const { name } of Object.values(TOPICS)) {
      for (const partition of await this.admin.fetchTopicOffsets(name)) sum += Number(partition.high);
    }
    return sum;
  }
}
