// windsock serving: what the edge (or Node serving) measured while serving, from its admin API, which
// has its own URL and token (WINDSOCK_EDGE_URL, WINDSOCK_EDGE_TOKEN: an admin of the edge's
// WINDSOCK_TOKENS). The client is typed by the admin routes themselves; drift reports come back as
// `Record<string, unknown>` there (built per version in a loop), so DriftReport is named here.
import { Command, InvalidArgumentError } from 'commander';
import { hc } from 'hono/client';
import type { servingAdminRoutes } from '../api/serving/serving-admin-routes';
import type { DriftReport } from '../core/monitoring/drift-report';
import { wantsJson } from './cli-context';
import { normaliseUrl } from './cli-config';
import { explainingFetch, ok } from './control-client';
import { printJson, printLine, table } from './output';
import { UsageError } from './usage-error';

function servingClient() {
  const missing = [...(process.env.WINDSOCK_EDGE_URL ? [] : ['WINDSOCK_EDGE_URL (e.g. http://127.0.0.1:8787)']), ...(process.env.WINDSOCK_EDGE_TOKEN ? [] : ['WINDSOCK_EDGE_TOKEN (an admin token of the edge)'])];
  if (missing.length > 0) throw new UsageError(`serving commands read the edge's admin API: set ${missing.join(' and ')}`);
  const url = normaliseUrl(process.env.WINDSOCK_EDGE_URL!, 'WINDSOCK_EDGE_URL');
  return hc<ReturnType<typeof servingAdminRoutes>>(`${url}/admin`, {
    headers: { authorization: `Bearer ${process.env.WINDSOCK_EDGE_TOKEN}`, 'user-agent': 'windsock-cli' },
    fetch: explainingFetch(url, 'the edge admin API'),
  });
}

interface WindowOptions {
  from?: string;
  to?: string;
  modelVersion?: number;
}

function windowQuery(opts: WindowOptions) {
  return {
    ...(opts.from !== undefined ? { from: opts.from } : {}),
    ...(opts.to !== undefined ? { to: opts.to } : {}),
    ...(opts.modelVersion !== undefined ? { version: String(opts.modelVersion) } : {}),
  };
}

function withWindow(command: Command): Command {
  return command
    .option('--from <time>', 'from this time (ISO 8601 or epoch ms)')
    .option('--to <time>', 'until this time (default now)')
    // Not --version: that is the program's own, recognised after a command too.
    .option('--model-version <n>', 'only this version of the model', (text: string) => {
      if (!/^[1-9]\d*$/.test(text)) throw new InvalidArgumentError('expected a version number');
      return Number(text);
    });
}

const fixed = (value: number | null | undefined, digits: number) => (value === null || value === undefined ? null : value.toFixed(digits));

export function servingCommand(): Command {
  const serving = new Command('serving').description("what the edge measured while serving (its admin API: WINDSOCK_EDGE_URL, WINDSOCK_EDGE_TOKEN)");

  withWindow(serving.command('metrics <model>').description('requests, errors and latency per version (the last 15 minutes by default)')).action(
    async (model: string, opts: WindowOptions, cmd: Command) => {
      const body = await ok(servingClient().models[':name'].metrics.$get({ param: { name: model }, query: windowQuery(opts) }));
      if (wantsJson(cmd)) return printJson(body);
      printLine(`${body.model} from ${body.from} to ${body.to}`);
      printLine(
        table(Object.entries(body.versions), [
          ['version', ([v]) => v],
          ['requests', ([, s]) => s.requests],
          ['errors', ([, s]) => s.errors],
          ['error rate', ([, s]) => fixed(s.errorRate, 4)],
          ['p50 ms', ([, s]) => fixed(s.latencyMs?.p50, 1)],
          ['p95 ms', ([, s]) => fixed(s.latencyMs?.p95, 1)],
          ['p99 ms', ([, s]) => fixed(s.latencyMs?.p99, 1)],
          ['rows', ([, s]) => s.rows],
        ]),
      );
    },
  );

  withWindow(serving.command('drift <model>').description('drift of each served version against its reference profile (the last hour by default)')).action(
    async (model: string, opts: WindowOptions, cmd: Command) => {
      const body = await ok(servingClient().models[':name'].drift.$get({ param: { name: model }, query: windowQuery(opts) }));
      if (wantsJson(cmd)) return printJson(body);
      printLine(`${body.model} from ${body.from} to ${body.to}`);
      const reports = Object.entries(body.versions as Record<string, DriftReport>);
      if (reports.length === 0) printLine('(no traffic recorded in the window)');
      for (const [version, report] of reports) {
        const verdict = report.insufficientData ? `not enough data (${report.sampleSize} rows)` : `${report.datasetDrift ? 'DRIFT' : 'no drift'}: ${report.driftedFeatures}/${report.evaluatedFeatures} features drifted (share ${report.driftShare.toFixed(2)}), ${report.sampleSize} rows`;
        printLine(`\nv${version}: ${verdict}`);
        const drifted = [...report.features, ...(report.prediction ? [report.prediction] : [])].filter((f) => f.drifted);
        if (drifted.length > 0) {
          printLine(
            table(drifted, [
              ['column', (f) => f.name],
              ['method', (f) => f.method],
              ['score', (f) => fixed(f.score, 4)],
              ['threshold', (f) => f.threshold],
              ['severity', (f) => f.severity],
            ]),
          );
        }
      }
    },
  );

  return serving;
}
