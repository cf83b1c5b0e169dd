// pnpm cost --rate EVENTS_PER_S --event-bytes B [--shards N] [--consumers efo|shared] [--memory MB]
//           [--opensearch] [--redshift] [--window-table] [--json]
// pnpm scale [--rate R --shards N --series S] [--window S] [--batch B] [--batch-window S]
//            [--parallelization P] [--event-bytes B] [--consumers efo|shared] [--memory MB]
//            [--window-table] [--json]
import { parseCostArgs, parseScaleArgs, UsageError } from './args.js';
import { costModel } from './cost.js';
import { renderCost, renderScale } from './report.js';
import { scaleModel, WORKLOADS } from './scale.js';

/** Runs one command; returns the exit code. */
export function run(argv: readonly string[], print: (text: string) => void): number {
  const [command, ...rest] = argv;
  try {
    if (command === 'cost') {
      const { input, json } = parseCostArgs(rest);
      const result = costModel(input);
      print(json ? JSON.stringify(result, null, 2) : renderCost(result, [100, 1000, 10_000]));
      return 0;
    }
    if (command === 'scale') {
      const { inputs, json } = parseScaleArgs(rest, WORKLOADS);
      const results = inputs.map(scaleModel);
      print(json ? JSON.stringify(results, null, 2) : renderScale(results));
      return 0;
    }
    throw new UsageError(`unknown command '${command ?? ''}': use cost or scale`);
  } catch (error) {
    if (error instanceof UsageError) {
      print(`error: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = run(process.argv.slice(2), (text) => console.log(text));
}
