import { describe, expect, it } from 'vitest';
import { CommandLineError, parseCapacityArguments } from '../../../scripts/capacity';

describe('npm run capacity arguments', () => {
  it('defaults to prod at 417 orders/s in eu-central-1 with the committed unit counts', () => {
    // Act
    const args = parseCapacityArguments([], '/repo');

    // Assess
    expect(args).toEqual({
      rate: 417,
      stage: 'prod',
      region: 'eu-central-1',
      unitsFile: '/repo/bench/results/unit-counts.json',
      writeDocs: false,
      check: false,
    });
  });

  it('reads rate, stage, region, units file and the two flags', () => {
    // Act
    const args = parseCapacityArguments(
      [
        '--rate',
        '200',
        '--stage',
        'dev',
        '--region',
        'us-east-1',
        '--units',
        'u.json',
        '--check',
        '--write-docs',
      ],
      '/repo',
    );

    // Assess
    expect(args).toEqual({
      rate: 200,
      stage: 'dev',
      region: 'us-east-1',
      unitsFile: 'u.json',
      writeDocs: true,
      check: true,
    });
  });

  it.each([
    [['--rate', 'fast'], /--rate must be a positive number.*'fast'/],
    [['--rate', '-3'], /--rate must be a positive number/],
    [['--stage', 'staging'], /--stage must be one of dev, prod, got 'staging'/],
    [['--region', 'frankfurt'], /--region must be an AWS region code.*'frankfurt'/],
    [['--rate'], /--rate needs a value/],
    [['--rates', '1'], /Unknown argument '--rates'/],
  ])('refuses %j with a message that says what was wrong', (argv, message) => {
    // Act
    const parse = () => parseCapacityArguments(argv, '/repo');

    // Assess
    expect(parse).toThrow(CommandLineError);
    expect(parse).toThrow(message);
  });
});
