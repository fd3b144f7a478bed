import { describe, expect, it } from 'vitest';
import { AWS_PRICES, price } from '../../../lib/config/aws-prices';
import { AWS_QUOTAS, quota, quotaValue } from '../../../lib/config/aws-quotas';

const AWS_PAGE = /^https:\/\/(docs\.aws\.amazon\.com|aws\.amazon\.com)\//;

describe('AWS_QUOTAS', () => {
  it.each(AWS_QUOTAS.map((entry) => [entry.id, entry] as const))(
    '%s cites an AWS page and has a positive value',
    (_id, entry) => {
      // Assess
      expect(entry.source).toMatch(AWS_PAGE);
      expect(entry.value).toBeGreaterThan(0);
      expect(entry.unit.length).toBeGreaterThan(0);
      for (const value of Object.values(entry.perRegion ?? {})) expect(value).toBeGreaterThan(0);
    },
  );

  it('has unique ids', () => {
    // Act
    const ids = AWS_QUOTAS.map((entry) => entry.id);

    // Assess
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('quota', () => {
  it('returns the entry with the id', () => {
    // Act
    const entry = quota('lambda-concurrent-executions');

    // Assess
    expect(entry.value).toBe(1_000);
  });

  it('throws a RangeError naming an unknown id', () => {
    // Act
    const lookUp = () => quota('sfn-express-start-execution-refill');

    // Assess
    expect(lookUp).toThrow(RangeError);
    expect(lookUp).toThrow("'sfn-express-start-execution-refill'");
  });
});

describe('quotaValue', () => {
  it("takes the region's own figure where the documentation gives one", () => {
    // Act
    const usEast1 = quotaValue('sfn-standard-start-execution-refill', 'us-east-1');
    const euCentral1 = quotaValue('sfn-standard-start-execution-refill', 'eu-central-1');

    // Assess
    expect(usEast1).toBe(300);
    expect(euCentral1).toBe(150);
  });

  it('falls back to the default for a region the quota does not single out', () => {
    // Prepare
    const { value } = quota('apigateway-account-throttle-rate');

    // Act
    const frankfurt = quotaValue('apigateway-account-throttle-rate', 'eu-central-1');
    const zurich = quotaValue('apigateway-account-throttle-rate', 'eu-central-2');

    // Assess
    expect(frankfurt).toBe(value);
    expect(zurich).toBe(2_500);
  });

  it('throws for an unknown id', () => {
    // Act
    const lookUp = () => quotaValue('no-such-quota', 'eu-central-1');

    // Assess
    expect(lookUp).toThrow(RangeError);
  });
});

describe('AWS_PRICES', () => {
  it.each(AWS_PRICES.map((entry) => [entry.id, entry] as const))(
    '%s cites an AWS pricing page and has a positive price',
    (_id, entry) => {
      // Assess
      expect(entry.source).toMatch(AWS_PAGE);
      expect(entry.usd).toBeGreaterThan(0);
      expect(entry.perUnits).toBeGreaterThan(0);
    },
  );

  it('has unique ids', () => {
    // Act
    const ids = AWS_PRICES.map((entry) => entry.id);

    // Assess
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('price throws a RangeError for an unknown id', () => {
    // Act
    const lookUp = () => price('ec2-instance-hour');

    // Assess
    expect(lookUp).toThrow(RangeError);
  });
});
