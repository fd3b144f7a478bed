/** Section 10: the units one happy order costs, for the capacity and cost model. */
import type { BenchResult } from '../lib/results';
import type { UnitCountsFigures } from '../unit-counts';
import { fmt, header, type Section, template } from './shared';

export function unitCountsSection(result: BenchResult<UnitCountsFigures>): Section {
  const text = template('unit-counts');
  const { units, confirmed, orders } = result.figures;
  const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
  const markdown = text.render({
    header: header(result),
    confirmed,
    orders,
    tableRows: text.each('table', units.dynamodb, (table) => ({
      table: table.table,
      writeUnits: fmt(table.writeUnits, 2),
      readUnits: fmt(table.readUnits, 2),
      hotKeys: table.hotKeys.length > 0,
      hotKeyList: table.hotKeys
        .map((hot) => text.snippet('hot-key', { key: hot.key, writeUnits: fmt(hot.writeUnits, 1) }))
        .join(', '),
    })),
    writeUnits: fmt(sum(units.dynamodb.map((table) => table.writeUnits)), 1),
    readUnits: fmt(sum(units.dynamodb.map((table) => table.readUnits)), 1),
    functionRows: text.each('function', units.functions, (fn) => ({
      logicalId: fn.logicalId,
      invocations: fmt(fn.invocations, 2),
      billedMsPerInvocation: fmt(fn.billedMsPerInvocation, 1),
      logBytes: fn.logBytes,
    })),
    executions: units.stepFunctions.executions,
    transitions: units.stepFunctions.transitions,
    sendTaskCalls: units.stepFunctions.sendTaskCalls,
    topics: units.topics
      .map((topic) =>
        text.snippet('topic', { topic: topic.topic, records: fmt(topic.records, 2), bytes: topic.bytes }),
      )
      .join(', '),
    requests: units.api.requests,
    emails: units.emails,
  });
  return { markdown, charts: [] };
}
