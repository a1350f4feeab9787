// Sampled mode (LEAKTRACK_SAMPLE=1/128, for long-running services): every
// open is counted per kind; only a random share of them (`rate`) gets a
// stack and a tag, like Netty's ResourceLeakDetector. Reports and the census
// then speak of the sample and say how their counts are estimated.
import { processWide } from './process-wide';

export const sampling = processWide('sampling', () => ({
  rate: 1,
  /** Opens left until the next one in the sample: drawn from the geometric distribution, so each open is in it with probability `rate`, for one decrement per open. */
  skip: 1,
  /** Every open, by kind name. */
  opened: new Map<string, { count: number }>(),
}));

/** Sampled mode from now on: `rate` in (0, 1]. */
export function startSampling(rate: number): void {
  sampling.rate = rate;
  sampling.skip = nextSkip();
}

export function nextSkip(rate = sampling.rate): number {
  return rate >= 1 ? 1 : Math.floor(Math.log(1 - Math.random()) / Math.log(1 - rate)) + 1;
}

/** "1 in 128" (or "1 %" style for rates that are no 1/N). */
export function sampleWords(rate = sampling.rate): string {
  const n = 1 / rate;
  return Number.isInteger(Math.round(n * 1000) / 1000) ? `1 in ${Math.round(n)}` : `${(rate * 100).toPrecision(3)} %`;
}

/** What a report says of its sample; undefined when every open is tracked. */
export function sampleInfo(): { rate: number; opened: Record<string, number> } | undefined {
  return sampling.rate < 1 ? { rate: sampling.rate, opened: Object.fromEntries([...sampling.opened].map(([kind, { count }]) => [kind, count])) } : undefined;
}
