// Scopes: the Go technique's tracker carried by context, in Node.
// Everything opened while a scope is current (across awaits, timers and
// callbacks, through AsyncLocalStorage) belongs to it and to its parents.
import { currentCollector, runWithCollector, type TagCollector } from './core/context';
import type { Tag } from './core/tag';
import { LeakError } from './report/leak-error';
import { findLeaks, type Leak } from './report/leaks';
import { startForApi } from './start';

const SWEEP_MIN = 256;

export class Scope implements TagCollector {
  readonly name: string;
  /** The scope that was current when this one was made: it sees this one's resources too. */
  readonly parent: TagCollector | undefined;
  readonly #tags = new Set<Tag>();
  #sweepAt = SWEEP_MIN;

  constructor(name = 'scope') {
    startForApi();
    this.name = name;
    this.parent = currentCollector();
  }

  /** Run `fn` inside this scope; returns what `fn` returns. */
  run<T>(fn: () => T): T {
    return runWithCollector(this, fn);
  }

  /** @internal called for every tag created while this scope is current */
  collect(tag: Tag): void {
    if (this.#tags.size >= this.#sweepAt) this.sweep();
    this.#tags.add(tag);
    this.parent?.collect(tag);
  }

  /** The tags this scope holds that are still open. */
  openTags(): Tag[] {
    this.sweep();
    return [...this.#tags].filter((tag) => tag.isOpen);
  }

  /** The tags this scope holds that are not open yet, nor failed (a server looking up its host). */
  openingTags(): Tag[] {
    return [...this.#tags].filter((tag) => tag.isOpening);
  }

  /** What this scope still holds, as report entries (kind, openedAt, stack, description). */
  open(): Leak[] {
    return findLeaks(this.openTags());
  }

  /** Throws a LeakError listing what this scope still holds, with the opening lines. */
  check(): void {
    const leaks = this.open();
    if (leaks.length > 0) throw new LeakError(leaks, `scope "${this.name}"`);
  }

  private sweep(): void {
    for (const tag of this.#tags) if (tag.isFinished) this.#tags.delete(tag);
    this.#sweepAt = Math.max(SWEEP_MIN, this.#tags.size * 2);
  }
}

type Scoped<T> = T extends PromiseLike<unknown> ? Promise<Scope> : Scope;

/**
 * Run `fn` in a new scope and return the scope (a promise of it when `fn` is
 * async) to ask what it left open: `(await scope(work)).check()`.
 */
export function scope<T>(fn: (scope: Scope) => T, name?: string): Scoped<T> {
  const created = new Scope(name);
  const result = created.run(() => fn(created));
  if (result && typeof (result as { then?: unknown }).then === 'function') {
    return Promise.resolve(result).then(() => created) as Scoped<T>;
  }
  return created as Scoped<T>;
}

/** Run `fn` inside an existing scope (a request's, a job's); returns fn's result. */
export function withScope<T>(target: Scope, fn: () => T): T {
  return target.run(fn);
}

/** The scope current here, if any. */
export function currentScope(): Scope | undefined {
  const collector = currentCollector();
  return collector instanceof Scope ? collector : undefined;
}
