import { processWide } from './process-wide';
import { resolveStack, type CapturedStack, type Frame } from './stack';
import type { Tracker } from './tracker';

/**
 * What leaktrack knows about one kind of resource. `isOpen` reads the
 * library's own state (`socket.destroyed`, `server.listening`, ...), so a
 * resource closed by any of the library's ways counts as closed without
 * leaktrack having to wrap every one of them.
 */
export interface ResourceKind<R extends object = any> {
  /** The report's `kind`: `family.Name`. */
  readonly name: string;
  /** Still open? Read only at report time and when closed tags are swept. */
  isOpen?(resource: R, detail: unknown): boolean;
  /**
   * Asked for and not open yet, nor failed (a listen still looking up its
   * host): the test helpers give it their grace period to become open.
   */
  isOpening?(resource: R, detail: unknown): boolean;
  /**
   * The resource can be open again after isOpen said no (an agent that gets
   * new sockets): its tag is only dropped once the resource is collected.
   */
  readonly mayReopen?: boolean;
  /**
   * Collected by the GC before its tag was closed: a leak all the same (a
   * FileHandle the program dropped, closed by garbage collection). Such a
   * kind closes its tags explicitly when the program closes the resource.
   */
  readonly leakWhenCollected?: boolean | ((detail: unknown) => boolean);
  /** A short human description, built at report time. */
  describe?(resource: R | undefined, detail: unknown): string;
  /**
   * What this resource runs on (a cursor's connection). A report that also
   * has an open resource whose `holds` is the same object leaves this one
   * out: only the outermost resource is reported.
   */
  heldIn?(resource: R, detail: unknown): object | undefined;
  /** What this resource holds for the resources running on it (a client's connection). */
  holds?(resource: R): object | undefined;
}

const counter = processWide('tagCounter', () => ({ last: 0 }));

/** The creation number of the newest tag: tags created later have a higher `seq`. */
export function latestTagSeq(): number {
  return counter.last;
}

/** A creation number now, for a tag made later (when the open completes). */
export function nextTagSeq(): number {
  return ++counter.last;
}

/** One open resource: its kind, where it was opened, and how to tell it closed. */
export class Tag {
  /** @internal */ tracker: Tracker | null;
  /** @internal V8's structured stack, until the tag settles. */ stackHolder: CapturedStack | undefined;
  /** @internal the opening stack as plain positions, once settled. */ frames: Frame[] | undefined;
  /** @internal */ spec: ResourceKind | undefined;
  /** @internal */ ref: WeakRef<object> | undefined;
  /** @internal */ detail: unknown;
  /** @internal creation order, process-wide: "opened after this point" */
  readonly seq: number;
  readonly kind: string;

  /** @internal use Tracker.create / Tracker.track */
  constructor(
    tracker: Tracker,
    kind: string,
    stack: CapturedStack,
    spec?: ResourceKind,
    resource?: object,
    detail?: unknown,
  ) {
    this.tracker = tracker;
    this.kind = kind;
    this.stackHolder = stack;
    this.frames = undefined;
    this.spec = spec;
    // Weak: leaktrack must never keep a resource (or the process) alive.
    this.ref = resource === undefined ? undefined : new WeakRef(resource);
    this.detail = detail;
    // Taken at the program's call: an open that completes later (after an
    // await, once listening) belongs to the test that called it.
    this.seq = stack.seq ?? ++counter.last;
  }

  /** @internal The frames of the opening stack, positions mapped to their sources. */
  openingFrames(): Frame[] {
    return this.frames ?? (this.stackHolder ? resolveStack(this.stackHolder) : []);
  }

  /** @internal Keep only plain positions: V8's stack references the frames' receivers and functions. */
  settle(): void {
    if (!this.stackHolder) return;
    this.frames = resolveStack(this.stackHolder);
    this.stackHolder = undefined;
  }

  /**
   * @internal From now on, watch `resource` as `spec` instead: what stays
   * alive while the resource is open (an upgraded request's socket, once the
   * library let go of the request). Kind name and opening stack stay.
   */
  follow(spec: ResourceKind, resource: object, detail: unknown): void {
    this.spec = spec;
    this.ref = new WeakRef(resource);
    this.detail = detail;
  }

  /**
   * @internal From now on, open until closed explicitly, with nothing left
   * to watch: the moment the resource leaked has passed (a transaction
   * still open when its client went back to the pool).
   */
  hold(detail: unknown): void {
    this.ref = undefined;
    this.detail = detail;
  }

  /** @internal For the outermost rule: what the resource runs on, and what it holds for others. */
  containment(): { heldIn: object | undefined; holds: object | undefined } {
    const resource = this.ref?.deref();
    if (resource === undefined || !this.spec) return { heldIn: undefined, holds: undefined };
    try {
      return { heldIn: this.spec.heldIn?.(resource, this.detail), holds: this.spec.holds?.(resource) };
    } catch {
      return { heldIn: undefined, holds: undefined };
    }
  }

  /** Mark the resource as properly closed. Closing twice is harmless. */
  close(): void {
    const tracker = this.tracker;
    if (tracker) {
      this.tracker = null;
      this.stackHolder = undefined;
      tracker.remove(this);
    }
  }

  /** Closed explicitly, collected, or closed by the library's own state. */
  get isOpen(): boolean {
    if (!this.tracker) return false;
    if (!this.ref) return true;
    const resource = this.ref.deref();
    if (resource === undefined) {
      const leak = this.spec?.leakWhenCollected;
      return typeof leak === 'function' ? leak(this.detail) : leak === true;
    }
    try {
      return this.spec?.isOpen ? this.spec.isOpen(resource, this.detail) : true;
    } catch {
      return false; // a resource we cannot read is not reported
    }
  }

  /** Not open yet, and not failed yet: see ResourceKind.isOpening. */
  get isOpening(): boolean {
    const resource = this.tracker && this.spec?.isOpening ? this.ref?.deref() : undefined;
    try {
      return resource !== undefined && this.spec!.isOpening!(resource, this.detail);
    } catch {
      return false;
    }
  }

  /** @internal for the sweep: the resource can never be open again. */
  get isFinished(): boolean {
    if (!this.tracker) return true;
    // Still there, it may open (again): kept. Collected, it is finished unless that is a leak.
    if (this.spec?.mayReopen && this.ref?.deref() !== undefined) return false;
    return !this.isOpen;
  }

  get description(): string {
    try {
      if (this.spec?.describe) return this.spec.describe(this.ref?.deref(), this.detail);
    } catch {
      // fall through to the plain detail
    }
    return this.detail === undefined ? '' : String(this.detail);
  }
}

/** Descriptions stay one short line: long commands and eval'd code are cut. */
export function shorten(text: string, max = 80): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
