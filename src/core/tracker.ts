import { setTimeout as timersSetTimeout } from 'node:timers';
import { captureStack, type CapturedStack } from './stack';
import { currentCollector } from './context';
import { processWide } from './process-wide';
import { Tag, type ResourceKind } from './tag';

/** Sweep closed tags when the set reaches this size (and twice the live count after). */
const SWEEP_MIN = 1024;
/**
 * New tags wait in a queue, oldest first; each open looks at the oldest few
 * and drops the ones already closed. Most resources (a request, a file read)
 * are closed before the next one opens, so their tags go at once. That
 * matters to the GC: up to Node 24, V8's young-generation collector treats a
 * WeakRef's target as strongly held, so every tag still held would carry its
 * closed resource (a whole request and response) into the old heap. A tag
 * still open after this many newer ones leaves the queue early.
 */
const YOUNG_LIMIT = 32;
/** Tags looked at per open: enough to keep up when several close at once. */
const YOUNG_CHECKS = 2;
/**
 * Shortly after an open, its tag settles: dropped if the resource closed,
 * otherwise its stack is turned into plain positions. Until then the tag
 * holds V8's structured stack, which references each frame's receiver and
 * function: settling lets go of them, so nothing of the program stays alive
 * because of a tag (not an object whose method opened the resource, not a
 * FinalizationRegistry target). One shared unref'd timer, armed only while
 * tags are waiting.
 */
const SETTLE_MS = 100;
/**
 * Settled tags (open when they settled) are looked at again, this many per
 * settle, round-robin: tags of resources that closed later go too, while
 * the program is active, without waiting for the full sweep.
 */
const RECHECKS = 256;
/**
 * Stacks resolved per settle: a burst of long-lived opens (a thousand
 * connections at once) settles over several ticks, in pauses of a few ms.
 */
const SETTLE_BATCH = 64;

/** Keeps a Tag for every open resource; what is left open at the end is a leak. */
export class Tracker {
  readonly #open = new Set<Tag>();
  #young: Array<Tag | undefined> = [];
  #youngHead = 0;
  /** Open, out of the young queue, waiting to settle. */
  #maturing: Tag[] = [];
  /** Open when they settled: rechecked a slice at a time. */
  #settled: Tag[] = [];
  #recheckAt = 0;
  #settleTimer: NodeJS.Timeout | undefined;
  #settling = false;
  #closed = false;
  #sweepAt = SWEEP_MIN;

  /**
   * A tag for a resource of the user's own (a lock, a subscription, a pool):
   * close it with `tag.close()`.
   */
  create(kind: string, description?: string): Tag {
    if (this.#closed) throw new Error(`leaktrack: creating a "${kind}" tag after the tracker was closed`);
    return this.add(new Tag(this, kind, captureStack(this.create), undefined, undefined, description));
  }

  /**
   * A tag for an object of your own that knows whether it is open: `resource`
   * is held weakly and `kind.isOpen(resource)` decides, so closing it by any
   * of its ways counts, with no `tag.close()` to remember.
   */
  track<R extends object>(kind: ResourceKind<R>, resource: R, detail?: unknown): Tag {
    if (this.#closed) throw new Error(`leaktrack: tracking a "${kind.name}" after the tracker was closed`);
    return this.add(new Tag(this, kind.name, captureStack(this.track), kind, resource, detail));
  }

  /**
   * @internal The hot path of every instrumentation (through the record
   * step): the stack was captured already; no formatting, no closures.
   * `resource` undefined: nothing to watch (an fd number), closed explicitly.
   */
  trackCaptured(kind: ResourceKind, resource: object | undefined, stack: CapturedStack, detail?: unknown): Tag {
    return this.add(new Tag(this, kind.name, stack, kind, resource, detail));
  }

  /** @internal called by Tag.close */
  remove(tag: Tag): void {
    this.#open.delete(tag);
  }

  /**
   * The tags whose resources are still open, oldest first. A resource opened
   * again after it closed (a socket reconnected, a server listening again)
   * keeps only its newest tag of each kind.
   */
  open(): Tag[] {
    // Per kind: a client and the transaction open on it are two resources.
    const newestByResource = new Map<object, Map<string, Tag>>();
    const open: Tag[] = [];
    for (const tag of this.#open) {
      if (!tag.isOpen) continue;
      const resource = tag.ref?.deref();
      if (resource) {
        const byKind = newestByResource.get(resource) ?? new Map<string, Tag>();
        byKind.set(tag.kind, tag);
        newestByResource.set(resource, byKind);
      }
      open.push(tag);
    }
    return open.filter((tag) => {
      const resource = tag.ref?.deref();
      return !resource || newestByResource.get(resource)?.get(tag.kind) === tag;
    });
  }

  /** The tags of resources not open yet, nor failed (ResourceKind.isOpening). */
  opening(): Tag[] {
    return [...this.#open].filter((tag) => tag.isOpening);
  }

  /**
   * Stop tracking. Returns an Error listing what is still open, or undefined
   * when everything was closed (Go's `tracker.Close()`).
   */
  close(): Error | undefined {
    this.#closed = true;
    const open = this.open();
    if (open.length === 0) return undefined;
    const lines = open.map((tag) => `---\n${tag.kind}${tag.description ? ` (${tag.description})` : ''}`);
    return new Error(`${open.length} open resource${open.length === 1 ? '' : 's'}\n${lines.join('\n')}`);
  }

  /** @internal The newest open tag of `resource`, if any: a walk over every open tag. */
  tagOf(resource: object): Tag | undefined {
    let found: Tag | undefined;
    for (const tag of this.#open) if (tag.ref?.deref() === resource && tag.isOpen) found = tag;
    return found;
  }

  /** Tags held right now, including closed ones not yet swept. */
  get size(): number {
    return this.#open.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  private add(tag: Tag): Tag {
    if (this.#open.size >= this.#sweepAt) this.sweep();
    this.#open.add(tag);
    this.#young.push(tag);
    this.dropClosedYoung();
    if (!this.#settling) this.armSettle();
    currentCollector()?.collect(tag);
    return tag;
  }

  private dropClosedYoung(): void {
    const young = this.#young;
    for (let checks = 0; checks < YOUNG_CHECKS && this.#youngHead < young.length - 1; checks++) {
      const oldest = young[this.#youngHead]!;
      if (oldest.isFinished) this.#open.delete(oldest);
      else if (young.length - this.#youngHead <= YOUNG_LIMIT) break;
      else this.#maturing.push(oldest); // open and old: settled by the timer
      young[this.#youngHead++] = undefined;
    }
    if (this.#youngHead >= YOUNG_LIMIT * 2) {
      this.#young = young.slice(this.#youngHead);
      this.#youngHead = 0;
    }
  }

  private armSettle(): void {
    this.#settling = true;
    if (this.#settleTimer) this.#settleTimer.refresh();
    else {
      this.#settleTimer = timersSetTimeout(() => this.settle(), SETTLE_MS);
      this.#settleTimer.unref();
    }
  }

  /** Every tag opened since the last settle: dropped when closed, else its stack made plain. */
  private settle(): void {
    this.#settling = false;
    const waiting = this.#maturing;
    for (let i = this.#youngHead; i < this.#young.length; i++) waiting.push(this.#young[i]!);
    this.#young = [];
    this.#youngHead = 0;
    // Resolving a stack is the costly part: a bounded batch per tick, the rest on the next.
    let settled = 0;
    let keep = 0;
    for (const tag of waiting) {
      if (tag.isFinished) this.#open.delete(tag);
      else if (settled < SETTLE_BATCH) {
        tag.settle();
        this.#settled.push(tag);
        settled++;
      } else waiting[keep++] = tag;
    }
    waiting.length = keep;
    this.recheckSettled();
    if (keep > 0) this.armSettle();
  }

  private recheckSettled(): void {
    const settled = this.#settled;
    for (let checks = 0; checks < RECHECKS && settled.length > 0; checks++) {
      if (this.#recheckAt >= settled.length) this.#recheckAt = 0;
      const tag = settled[this.#recheckAt];
      if (!tag.isFinished) {
        this.#recheckAt++;
        continue;
      }
      this.#open.delete(tag);
      settled[this.#recheckAt] = settled[settled.length - 1];
      settled.pop();
    }
  }

  /** Drop tags whose resources closed without telling us: memory stays bounded. */
  private sweep(): void {
    for (const tag of this.#open) if (tag.isFinished) this.#open.delete(tag);
    this.#settled = this.#settled.filter((tag) => this.#open.has(tag));
    this.#sweepAt = Math.max(SWEEP_MIN, this.#open.size * 2);
  }
}

// ---- the process-wide tracker the hook uses ----------------------------------

/** One per process, even if two copies of leaktrack are loaded (or one per Jest test file). */
export const processTracker: Tracker = processWide('processTracker', () => new Tracker());
