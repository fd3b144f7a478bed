import { describe, expect, it } from 'vitest';
import {
  MissingConfigurationError,
  positiveIntegerEnv,
  requireEnv,
  requireTableName,
} from '../../../lambdas/shared/env';

describe('requireEnv', () => {
  it('returns a set variable', () => {
    // Act
    const value = requireEnv('ORDERS_TABLE_NAME', { ORDERS_TABLE_NAME: 'orders' });

    // Assess
    expect(value).toBe('orders');
  });

  it.each([undefined, '', '  '])('rejects %j naming the variable', (value) => {
    // Act
    const read = () => requireEnv('ORDERS_TABLE_NAME', { ORDERS_TABLE_NAME: value });

    // Assess
    expect(read).toThrow(new MissingConfigurationError('Environment variable ORDERS_TABLE_NAME is not set'));
  });
});

describe('requireTableName', () => {
  it('reads a table from the variable the CDK app sets for it', () => {
    // Act
    const value = requireTableName('shipments', { SHIPMENTS_TABLE_NAME: 'OrderPipeline-dev-Data-Shipments' });

    // Assess
    expect(value).toBe('OrderPipeline-dev-Data-Shipments');
  });

  it('names the missing variable', () => {
    // Act
    const read = () => requireTableName('loyalty', {});

    // Assess
    expect(read).toThrow(new MissingConfigurationError('Environment variable LOYALTY_TABLE_NAME is not set'));
  });
});

describe('positiveIntegerEnv', () => {
  it('reads a positive integer or falls back when unset', () => {
    // Act
    const set = positiveIntegerEnv('TTL', 5, { TTL: '90' });
    const unset = positiveIntegerEnv('TTL', 5, {});

    // Assess
    expect(set).toBe(90);
    expect(unset).toBe(5);
  });

  it.each(['0', '-3', '1.5', 'abc'])('rejects %s showing the value', (value) => {
    // Act
    const read = () => positiveIntegerEnv('TTL', 5, { TTL: value });

    // Assess
    expect(read).toThrow(`got '${value}'`);
  });
});
