import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { defaultQueryFileText, parseQueryFile, type Query, translateKda } from '../../src/index.js';

/** The translated queries, loaded back through the query-file validation. */
function queriesOf(sql: string): Query[] {
  const t = translateKda(sql);
  expect(t.untranslated).toEqual([]);
  return parseQueryFile(t.yaml!).queries;
}

describe('translateKda: examples from the KDA SQL reference', () => {
  // https://docs.aws.amazon.com/kinesisanalytics/latest/dev/tumbling-window-concepts.html
  it('GROUP BY STEP(ROWTIME BY INTERVAL) → tumbling window, grouped column → dimension', () => {
    const t =
      translateKda(`SELECT STREAM ROWTIME, Ticker_Symbol, MIN(Price) AS Price, MAX(Price) AS Price
      FROM "SOURCE_SQL_STREAM_001"
      GROUP BY Ticker_Symbol, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '60' SECOND);`);
    const [q] = parseQueryFile(t.yaml!).queries;
    expect(q).toMatchObject({
      source: { metric: 'price', where: [] },
      groupBy: [{ kind: 'dimension', name: 'ticker_symbol' }],
      window: { kind: 'tumbling', sizeMs: 60_000 },
      aggregates: [
        { fn: 'min', as: 'price' },
        { fn: 'max', as: 'max' },
      ],
    });
    expect(t.notes.map((n) => n.message)).toEqual([
      expect.stringMatching(/ROWTIME \(arrival time\)/),
      'two outputs named price: the MAX is named max',
    ]);
  });

  // https://docs.aws.amazon.com/kinesisanalytics/latest/dev/stagger-window-concepts.html
  it('GROUP BY FLOOR(EVENT_TIME TO MINUTE) with a ROWTIME STEP → one event-time tumbling window', () => {
    const [q] = queriesOf(`CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (
        TICKER_SYMBOL VARCHAR(4), EVENT_TIME timestamp, TICKER_COUNT DOUBLE);
      CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM TICKER_SYMBOL, FLOOR(EVENT_TIME TO MINUTE), COUNT(TICKER_SYMBOL) AS TICKER_COUNT
        FROM "SOURCE_SQL_STREAM_001"
        GROUP BY ticker_symbol, FLOOR(EVENT_TIME TO MINUTE),
                 STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '1' MINUTE);`);
    expect(q).toEqual({
      name: 'STREAM_PUMP',
      source: { types: undefined, metric: undefined, where: [] },
      groupBy: [{ kind: 'dimension', name: 'ticker_symbol' }],
      window: { kind: 'tumbling', sizeMs: 60_000 },
      aggregates: [{ fn: 'count', as: 'ticker_count' }],
      having: [],
    });
  });

  // https://docs.aws.amazon.com/kinesisanalytics/latest/dev/stagger-window-concepts.html
  it('WINDOWED BY STAGGER (PARTITION BY ... RANGE INTERVAL) → stagger window per key', () => {
    const t =
      translateKda(`CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM TICKER_SYMBOL, FLOOR(EVENT_TIME TO MINUTE), COUNT(TICKER_SYMBOL) AS ticker_count
        FROM "SOURCE_SQL_STREAM_001"
        WINDOWED BY STAGGER (
          PARTITION BY FLOOR(EVENT_TIME TO MINUTE), TICKER_SYMBOL RANGE INTERVAL '1' MINUTE);`);
    const [q] = parseQueryFile(t.yaml!).queries;
    expect(q!.window).toEqual({ kind: 'stagger', sizeMs: 60_000 });
    expect(q!.groupBy).toEqual([{ kind: 'dimension', name: 'ticker_symbol' }]);
    expect(q!.aggregates).toEqual([{ fn: 'count', as: 'ticker_count' }]);
    expect(t.notes[0]!.message).toMatch(/time expression in PARTITION BY is dropped/);
  });

  // https://docs.aws.amazon.com/kinesisanalytics/latest/sqlref/sql-reference-window-clause.html
  it('OVER (PARTITION BY ... RANGE INTERVAL ... PRECEDING) → sliding window, slide a sixth', () => {
    const t = translateKda(`SELECT STREAM ticker_symbol,
        AVG(price) OVER (PARTITION BY ticker_symbol RANGE INTERVAL '1' HOUR PRECEDING) AS avg_price
      FROM "SOURCE_SQL_STREAM_001";`);
    const [q] = parseQueryFile(t.yaml!).queries;
    expect(q).toMatchObject({
      source: { metric: 'price' },
      groupBy: [{ kind: 'dimension', name: 'ticker_symbol' }],
      window: { kind: 'sliding', sizeMs: 3_600_000, slideMs: 600_000 },
      aggregates: [{ fn: 'avg', as: 'avg_price' }],
    });
    expect(t.notes[0]!.message).toMatch(/a row per input row .* every 10m/);
  });

  // https://docs.aws.amazon.com/kinesisanalytics/latest/sqlref/sql-reference-windowed-aggregation-stream.html
  it('a named window without PARTITION BY → one group for every event', () => {
    const [q] =
      queriesOf(`SELECT STREAM ROWTIME, MIN(TEMP) OVER W1 AS WMIN_TEMP, MAX(TEMP) OVER W1 AS WMAX_TEMP
      FROM WEATHERSTREAM WINDOW W1 AS ( RANGE INTERVAL '1' DAY PRECEDING );`);
    expect(q).toMatchObject({
      source: { metric: 'temp' },
      groupBy: [],
      window: { kind: 'sliding', sizeMs: 86_400_000, slideMs: 14_400_000 },
      aggregates: [
        { fn: 'min', as: 'wmin_temp' },
        { fn: 'max', as: 'wmax_temp' },
      ],
    });
  });

  // https://docs.aws.amazon.com/kinesisanalytics/latest/sqlref/sql-reference-window-examples.html
  it('says why a SELECT over a row-count window or over two windows is not translated', () => {
    const t = translateKda(`SELECT STREAM ticker, sum(amount) OVER lastHour, count(*) OVER lastHour
        FROM Trades WINDOW lastHour AS (RANGE INTERVAL '1' HOUR PRECEDING);
      SELECT STREAM ticker, sum(amount) OVER lastThree
        FROM Trades WINDOW lastThree AS (ROWS 3 PRECEDING);
      SELECT STREAM ticker, sum(amount) OVER lastHour, sum(amount) OVER lastTwoSameTicker FROM Trades
        WINDOW lastHour AS (RANGE INTERVAL '1' HOUR PRECEDING),
               lastTwoSameTicker AS (PARTITION BY ticker ROWS 2 PRECEDING);`);
    expect(t.queries).toBe(1);
    expect(t.untranslated.map((u) => [u.line, u.message])).toEqual([
      [4, expect.stringMatching(/^ROWS n PRECEDING .* no event-time equivalent/)],
      [5, 'aggregates over different windows in one SELECT: write one SELECT per window'],
    ]);
  });

  // https://docs.aws.amazon.com/kinesisanalytics/latest/dev/app-anomaly-detection.html
  it('RANDOM_CUT_FOREST → the per-series windows anomaly-alerts scores; its score threshold is dropped', () => {
    const t = translateKda(`CREATE OR REPLACE STREAM "TEMP_STREAM" (
        "heartRate" INTEGER, "rateType" varchar(20), "ANOMALY_SCORE" DOUBLE);
      CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (
        "heartRate" INTEGER, "rateType" varchar(20), "ANOMALY_SCORE" DOUBLE);
      -- Compute an anomaly score for each record in the source stream
      CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "TEMP_STREAM"
        SELECT STREAM "heartRate", "rateType", ANOMALY_SCORE
        FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001")));
      CREATE OR REPLACE PUMP "OUTPUT_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM * FROM "TEMP_STREAM" WHERE ANOMALY_SCORE > 3.0;`);
    expect(t.untranslated).toEqual([]);
    const [q] = parseQueryFile(t.yaml!).queries;
    expect(q!.name).toBe('STREAM_PUMP');
    expect(q!.groupBy).toEqual([{ kind: 'series' }]);
    expect(q!.window).toEqual({ kind: 'tumbling', sizeMs: 60_000 });
    // What anomaly-alerts scores: the default query's statistics.
    expect(q!.aggregates).toEqual(
      parseQueryFile(defaultQueryFileText(60_000)).queries[0]!.aggregates,
    );
    expect(t.notes.map((n) => [n.line, n.statement])).toEqual([
      [6, 'PUMP STREAM_PUMP'],
      [9, 'PUMP OUTPUT_PUMP'],
    ]);
    expect(t.notes[1]!.message).toMatch(/ANOMALY_SCORE threshold does not carry over/);
  });

  // https://docs.aws.amazon.com/kinesisanalytics/latest/dev/app-anom-with-exp-create-app.html
  it('RANDOM_CUT_FOREST_WITH_EXPLANATION over chosen columns → those metrics, with the explanation', () => {
    const t = translateKda(`CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "TEMP_STREAM"
      SELECT STREAM "ROWTIME_TIME", "BLOODPRESSURELEVEL", "Systolic", "Diastolic",
             "ANOMALY_SCORE", "ANOMALY_EXPLANATION"
      FROM TABLE(RANDOM_CUT_FOREST_WITH_EXPLANATION(
        CURSOR(SELECT STREAM "Systolic", "Diastolic" FROM "SOURCE_SQL_STREAM_001"),
        100, 256, 100000, 1, true));`);
    const [q] = parseQueryFile(t.yaml!).queries;
    expect(q!.source.where).toEqual([
      { field: { kind: 'metric' }, op: 'in', values: ['Systolic', 'Diastolic'] },
    ]);
    expect(t.notes.map((n) => n.message)).toEqual([
      expect.stringMatching(/parameters .* have no equivalent/),
      expect.stringMatching(/explanation naming the statistics that moved/),
    ]);
  });
});

describe('translateKda: filters, HAVING and what cannot translate', () => {
  it('WHERE (=, LIKE, IN, a value bound) and HAVING on an aggregate', () => {
    const [q] = queriesOf(`CREATE OR REPLACE PUMP p AS INSERT INTO out
      SELECT STREAM region, COUNT(*) AS n, AVG(latency) AS avg_latency, COUNT(DISTINCT host) AS hosts
      FROM src
      WHERE service = 'api' AND host LIKE 'web-%' AND region IN ('eu-west-1', 'eu-central-1') AND latency >= 0
      GROUP BY region, FLOOR(ROWTIME TO HOUR)
      HAVING COUNT(*) > 10 AND avg_latency > 250;`);
    expect(q).toEqual({
      name: 'p',
      source: {
        types: undefined,
        metric: 'latency',
        where: [
          { field: { kind: 'dimension', name: 'service' }, op: 'eq', value: 'api' },
          { field: { kind: 'dimension', name: 'host' }, op: 'matches', pattern: 'web-*' },
          {
            field: { kind: 'dimension', name: 'region' },
            op: 'in',
            values: ['eu-west-1', 'eu-central-1'],
          },
          { field: { kind: 'value' }, op: 'ge', value: 0 },
        ],
      },
      groupBy: [{ kind: 'dimension', name: 'region' }],
      window: { kind: 'tumbling', sizeMs: 3_600_000 },
      aggregates: [
        { fn: 'count', as: 'n' },
        { fn: 'avg', as: 'avg_latency' },
        { fn: 'distinct', field: { kind: 'dimension', name: 'host' }, as: 'hosts' },
      ],
      having: [
        { aggregate: 'n', op: 'gt', value: 10 },
        { aggregate: 'avg_latency', op: 'gt', value: 250 },
      ],
    });
  });

  it('aggregates over two columns → one query per metric', () => {
    const qs = queriesOf(`CREATE OR REPLACE PUMP p AS INSERT INTO out
      SELECT STREAM COUNT(*), MAX(cpu), MAX(mem) FROM src GROUP BY STEP(ROWTIME BY INTERVAL '5' MINUTE);`);
    expect(qs.map((q) => [q.name, q.source.metric, q.aggregates.map((a) => a.fn)])).toEqual([
      ['p-cpu', 'cpu', ['count', 'max']],
      ['p-mem', 'mem', ['count', 'max']],
    ]);
    expect(qs[0]!.window).toEqual({ kind: 'tumbling', sizeMs: 300_000 });
  });

  it('names the line and the reason of each statement it cannot translate, and keeps the others', () => {
    const t = translateKda(`CREATE OR REPLACE PUMP a AS INSERT INTO out
        SELECT STREAM COUNT(*) FROM src WHERE x = 1 OR y = 2 GROUP BY STEP(ROWTIME BY INTERVAL '1' MINUTE);
      CREATE OR REPLACE PUMP b AS INSERT INTO out2
        SELECT STREAM STDDEV_POP(v) FROM src GROUP BY STEP(ROWTIME BY INTERVAL '1' MINUTE);
      CREATE OR REPLACE PUMP c AS INSERT INTO out3
        SELECT STREAM COUNT(*) FROM out GROUP BY STEP(ROWTIME BY INTERVAL '1' MINUTE);
      CREATE OR REPLACE PUMP d AS INSERT INTO out4 SELECT STREAM COUNT(*) FROM src;
      CREATE OR REPLACE PUMP e AS INSERT INTO out5 SELECT STREAM COUNT(* FROM src;
      CREATE OR REPLACE VIEW v AS SELECT 1;
      CREATE OR REPLACE PUMP ok AS INSERT INTO out6
        SELECT STREAM COUNT(*) FROM src GROUP BY STEP(ROWTIME BY INTERVAL '10' SECOND);`);
    expect(t.queries).toBe(1);
    expect(t.untranslated.map((u) => [u.line, u.statement, u.message])).toEqual([
      [2, 'PUMP a', expect.stringMatching(/^WHERE with OR/)],
      [4, 'PUMP b', expect.stringMatching(/^function STDDEV_POP has no equivalent/)],
      [5, 'PUMP c', expect.stringMatching(/reads in-application stream out, written by pump a/)],
      [7, 'PUMP d', expect.stringMatching(/^aggregates without a window/)],
      [8, 'CREATE OR REPLACE PUMP', expect.stringMatching(/^line 8: expected "\)", found "FROM"/)],
      [9, 'CREATE OR REPLACE VIEW', expect.stringMatching(/expected STREAM or PUMP/)],
    ]);
  });

  it('never throws on hostile input: deep nesting and any token soup end as a reason', () => {
    const deep = translateKda(
      `SELECT STREAM COUNT(${'('.repeat(5000)}1${')'.repeat(5000)}) FROM s;`,
    );
    expect(deep.untranslated[0]!.message).toMatch(/nested deeper than 64/);
    const words = fc.constantFrom(
      'SELECT',
      'STREAM',
      'FROM',
      'WHERE',
      'GROUP',
      'BY',
      'STEP',
      'FLOOR',
      'TO',
      'MINUTE',
      'INTERVAL',
      "'1'",
      'COUNT',
      '(',
      ')',
      '*',
      ',',
      ';',
      'OVER',
      'WINDOW',
      'AS',
      'RANGE',
      'PRECEDING',
      'x',
      '"q"',
      '=',
      'AND',
      'OR',
      'CREATE',
      'OR REPLACE',
      'PUMP',
      'INSERT',
      'INTO',
      'TABLE',
      'CURSOR',
      'RANDOM_CUT_FOREST',
      'WINDOWED',
      'STAGGER',
      'PARTITION',
      '1',
      "'",
      '/*',
      '--',
    );
    fc.assert(
      fc.property(fc.array(words, { maxLength: 40 }), (ws) => {
        const t = translateKda(ws.join(' '));
        if (t.yaml !== undefined) expect(parseQueryFile(t.yaml).queries.length).toBe(t.queries);
      }),
      { numRuns: 1000 },
    );
  });
});
