// Sampled mode (LEAKTRACK_SAMPLE=1/128, for long-running services): every
// open is counted per kind; only a random share of them (`rate`) gets a
// stack and a tag, like Netty's ResourceLeakDetector. Reports and the census
// then speak of the sample and say how their counts are estimated.
import { processWide } from './process-wide';

export const sampling = processWide('sampling', () => ({ rate: 1, opened: new Map<string, number>() }));

/** "1 in 128" (or "1 %" style for rates that are no 1/N). */
export function sampleWords(rate = sampling.rate): string {
  const n = 1 / rate;
  return Number.isInteger(Math.round(n * 1000) / 1000) ? `1 in ${Math.round(n)}` : `${(rate * 100).toPrecision(3)} %`;
}

/** What a report says of its sample; undefined when every open is tracked. */
export function sampleInfo(): { rate: number; opened: Record<string, number> } | undefined {
  return sampling.rate < 1 ? { rate: sampling.rate, opened: Object.fromEntries(sampling.opened) } : undefined;
}
