// The census on the engines the program already has, no exporter of
// leaktrack's own: an OpenTelemetry observable up-down counter of open
// resources by kind (`leaktrack.resources.open`, attribute `kind`) and each
// growing site as an OpenTelemetry log record (a site as a metric attribute
// would explode cardinality); with prom-client, the same count as a gauge
// (`leaktrack_resources_open{kind}`) in its default registry. Each is used
// only when the program has it: @opentelemetry/api with a global provider
// registered, prom-client loaded by the program itself. Checked at every
// census interval, so a provider registered after start is found.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { warnOnce } from '../core/warn';
import type { CensusSite } from './census';

interface OtelApi {
  metrics: { getMeterProvider(): { getMeter(name: string, version?: string): OtelMeter } };
  logs?: { getLoggerProvider(): { getLogger(name: string, version?: string): { emit(record: Record<string, unknown>): void } } };
}
interface OtelMeter {
  createObservableUpDownCounter(name: string, options: Record<string, unknown>): { addCallback(callback: (result: { observe(value: number, attributes: Record<string, string>): void }) => void): void };
}
interface PromClient {
  Gauge: new (options: Record<string, unknown>) => unknown;
  register: { getSingleMetric(name: string): unknown };
}

export const METRIC_NAME = 'leaktrack.resources.open';
export const PROM_NAME = 'leaktrack_resources_open';

/** The program's copy of a package, from where the program runs; `loadedOnly`: only if the program required it already. */
function programPackage<T>(name: string, loadedOnly: boolean): T | undefined {
  for (const dir of [process.cwd(), process.argv[1] ? dirname(process.argv[1]) : undefined]) {
    if (!dir) continue;
    try {
      const require = createRequire(join(dir, 'noop.js'));
      const path = require.resolve(name);
      if (loadedOnly && !require.cache[path]) return undefined;
      return require(path) as T;
    } catch {
      // not found from here
    }
  }
  return undefined;
}

const isNoop = (provider: object | undefined) => !provider || /^Noop/.test(provider.constructor?.name ?? '');

export interface CensusExport {
  /** After each census tick: the open counts per kind, and the sites growing now. */
  update(sites: CensusSite[], growing: CensusSite[], scale: number): void;
}

export function startCensusExport(): CensusExport {
  let openByKind = new Map<string, number>();
  let otel: OtelApi | undefined | null;
  let counterMade = false;
  let gaugeMade = false;

  const observe = (result: { observe(value: number, attributes: Record<string, string>): void }) => {
    for (const [kind, open] of openByKind) result.observe(open, { kind });
  };

  function setUp(): void {
    otel ??= programPackage<OtelApi>('@opentelemetry/api', false) ?? null;
    if (otel && !counterMade && !isNoop(otel.metrics.getMeterProvider())) {
      counterMade = true;
      otel.metrics
        .getMeterProvider()
        .getMeter('leaktrack')
        .createObservableUpDownCounter(METRIC_NAME, { description: 'Resources open now, by kind, as leaktrack reports them', unit: '{resource}' })
        .addCallback(observe);
    }
    if (!gaugeMade) {
      const prom = programPackage<PromClient>('prom-client', true);
      if (prom && !prom.register.getSingleMetric(PROM_NAME)) {
        gaugeMade = true;
        new prom.Gauge({
          name: PROM_NAME,
          help: 'Resources open now, by kind, as leaktrack reports them',
          labelNames: ['kind'],
          collect(this: { reset(): void; set(labels: Record<string, string>, value: number): void }) {
            this.reset();
            for (const [kind, open] of openByKind) this.set({ kind }, open);
          },
        });
      }
    }
  }

  return {
    update(sites, growing, scale) {
      try {
        const counts = new Map<string, number>();
        for (const site of sites) counts.set(site.kind, (counts.get(site.kind) ?? 0) + Math.round(site.open * scale));
        openByKind = counts;
        setUp();
        const loggers = otel?.logs?.getLoggerProvider();
        if (growing.length === 0 || isNoop(loggers)) return;
        const logger = loggers!.getLogger('leaktrack');
        for (const site of growing) {
          logger.emit({
            severityText: 'WARN',
            severityNumber: 13,
            body: `growing: ${Math.round(site.open * scale)}× ${site.kind} open, opened at ${site.site}`,
            attributes: { 'leaktrack.kind': site.kind, 'leaktrack.site': site.site, 'leaktrack.open': Math.round(site.open * scale), 'leaktrack.history': site.history.join(' → ') },
          });
        }
      } catch (error) {
        warnOnce(`cannot export the census (${(error as Error)?.message ?? error}); it is only printed`);
      }
    },
  };
}
