// The live census for long-running services: every interval, count the open
// resources per opening site and note how old the oldest is; a site whose
// count grew at each of the last GROWTH_TICKS intervals is reported on stderr
// (the signature of a leak in a service) while the service runs on. Memory is
// per site (a few counts), not per tag; the open path pays nothing.
import { setInterval as timersSetInterval } from 'node:timers';
import { sampleWords, sampling } from '../core/sampling';
import type { Tag } from '../core/tag';
import { processTracker, type Tracker } from '../core/tracker';
import { writeStderr } from '../core/warn';
import { originalOf } from '../instrument/wrap';
import { startCensusExport } from './census-export';
import { findLeaks } from './leaks';
import { displayPath } from './text';

/** Grew at each of this many consecutive intervals: reported. */
const GROWTH_TICKS = 3;

export interface CensusSite {
  kind: string;
  /** `file:line:column` of the first user frame, relative to the cwd. */
  site: string;
  open: number;
  /** Seconds since the census first saw the oldest one still open (at most one interval early). */
  oldestSeconds: number;
  /** Open counts at the last few intervals, oldest first. */
  history: number[];
}

export interface Census {
  /** Take a count now (the timer does it every interval). */
  tick(now?: number): CensusSite[];
  /** Sites growing at each of the last intervals. */
  growing(): CensusSite[];
  stop(): void;
}

export function startCensus(intervalMs: number, tracker: Tracker = processTracker, report = writeStderr): Census {
  const siteOfTag = new WeakMap<Tag, { kind: string; site: string } | null>();
  const firstSeen = new WeakMap<Tag, number>();
  const history = new Map<string, CensusSite>();

  const siteOf = (tag: Tag) => {
    let site = siteOfTag.get(tag);
    if (site === undefined) {
      const [leak] = findLeaks([tag]); // resolved once per tag, with the config's filter
      site = leak ? { kind: leak.kind, site: `${displayPath(leak.openedAt.file, process.cwd())}:${leak.openedAt.line}:${leak.openedAt.column}` } : null;
      siteOfTag.set(tag, site);
    }
    return site;
  };

  const census: Census = {
    tick(now = Date.now()) {
      const seen = new Map<string, { kind: string; site: string; open: number; oldest: number }>();
      for (const tag of tracker.open()) {
        const site = siteOf(tag);
        if (!site) continue;
        if (!firstSeen.has(tag)) firstSeen.set(tag, now);
        const key = `${site.kind} ${site.site}`;
        const entry = seen.get(key) ?? { ...site, open: 0, oldest: now };
        entry.open++;
        entry.oldest = Math.min(entry.oldest, firstSeen.get(tag)!);
        seen.set(key, entry);
      }
      for (const [key, site] of history) if (!seen.has(key)) site.history.push(0);
      for (const [key, entry] of seen) {
        const site = history.get(key) ?? { kind: entry.kind, site: entry.site, open: 0, oldestSeconds: 0, history: [] };
        site.open = entry.open;
        site.oldestSeconds = Math.round((now - entry.oldest) / 1000);
        site.history.push(entry.open);
        history.set(key, site);
      }
      for (const [key, site] of history) {
        if (site.history.length > GROWTH_TICKS + 1) site.history.shift();
        if (site.history.every((count) => count === 0)) history.delete(key);
        else if (!seen.has(key)) site.open = 0;
      }
      return [...history.values()];
    },
    growing() {
      return [...history.values()].filter(
        (site) => site.history.length > GROWTH_TICKS && site.history.every((count, i) => i === 0 || count > site.history[i - 1]),
      );
    },
    stop() {
      clearInterval(timer);
    },
  };

  // The program's setInterval is tracked; leaktrack's own timer is not, and never keeps the process alive.
  const exported = startCensusExport();
  const timer = originalOf(timersSetInterval)(() => {
    const sites = census.tick();
    const growing = census.growing();
    exported.update(sites, growing, 1 / sampling.rate);
    for (const site of growing) {
      // Sampled: the counts are of the sample; the estimate is scaled up, and says so.
      const open = sampling.rate < 1 ? `≈${Math.round(site.open / sampling.rate)}× ${site.kind} open (${site.open} sampled, ${sampleWords()})` : `${site.open}× ${site.kind} open`;
      report(
        `leaktrack: growing: ${open}, opened at ${site.site} ` +
          `(${site.history.join(' → ')} over the last ${GROWTH_TICKS} intervals; oldest open ${site.oldestSeconds}s)\n`,
      );
    }
  }, intervalMs);
  timer.unref();
  return census;
}
