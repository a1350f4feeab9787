// Make the report on every way a process ends, without changing how it ends.
// - Right before 'exit' is emitted, on each way a process exits (a normal
//   end, process.exit(n), an uncaught exception and an unhandled rejection,
//   before Node prints the error), see reportWhenExiting. No 'exit' listener:
//   one more listener changes EventEmitter's path, and the stack of an error
//   thrown from the program's own exit listener would name another line of
//   node:events. Where `process.emit` cannot be replaced, a listener does it.
//   No 'uncaughtException' listener: that would stop the crash.
// - SIGTERM/SIGINT kill without 'exit'. Listening replaces Node's default, so
//   when no handler of the program's is there, report, step aside and re-raise
//   the same signal: the process still dies of it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { notTrackedWords } from '../core/not-tracked';
import { warnOnce, writeStderr } from '../core/warn';
import { argvForReport, buildReport, unseenLines } from './leaks';
import { reportFile, startedFile } from './merge';
import { sampleWords } from '../core/sampling';
import { currentStackDepth } from '../core/stack';
import { formatText, stderrWantsColor } from './text';

export interface ExitReportOptions {
  reportPath?: string;
  /** Write `leaktrack-<pid>.json` there, and a `.started.json` marker now (see merge.ts). */
  reportDir?: string;
  /** Exit code 1 instead of 0 when there are leaks (LEAKTRACK_FAIL=1). */
  fail?: boolean;
  /** The text report on stderr (LEAKTRACK_STDERR). */
  stderr?: boolean;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** `after` runs once the report is made (never throws into the exit). */
export function reportAtExit(options: ExitReportOptions, after?: () => void): void {
  if (options.reportDir) markStarted(options.reportDir);
  let reported = false;
  const reportOnce = () => {
    if (reported) return;
    reported = true;
    writeExitReport(options);
    try {
      after?.();
    } catch {
      // the report is out; what follows is the hook's own bookkeeping
    }
  };
  atExit(reportOnce);
  for (const signal of SIGNALS) {
    const onSignal = () => {
      // The program has its own handler: it decides; we report at its exit.
      if (process.listenerCount(signal) > 1) return;
      reportOnce();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * A run that was asked to fail on leaks but cannot give a verdict (an
 * invalid config): it fails at exit, with the reason, unless it failed already.
 */
export function failAtExit(reason: string): void {
  atExit(() => {
    writeStderr(`leaktrack: failing this run (LEAKTRACK_FAIL is set): ${reason}\n`);
    if (!process.exitCode) process.exitCode = 1;
  });
}

function atExit(run: () => void): void {
  if (!reportWhenExiting(run)) process.on('exit', run);
}

/**
 * Node marks the process as exiting (`process._exiting`) and then looks up
 * `process.emit` to emit 'exit', on every path: natural end (from C++),
 * process.exit(n), a fatal exception. An accessor for `emit` sees that
 * lookup: the report is made then, and the very same emit function is
 * returned, so the program's exit listeners run exactly as before.
 */
function reportWhenExiting(report: () => void): boolean {
  const node = process as NodeJS.Process & { _exiting?: boolean };
  if (Object.prototype.hasOwnProperty.call(process, 'emit') || node._exiting !== false) return false;
  let emit = process.emit;
  try {
    Object.defineProperty(process, 'emit', {
      configurable: true,
      enumerable: false,
      get() {
        if (node._exiting) report();
        return emit;
      },
      set(replacement) {
        emit = replacement; // programs that wrap process.emit keep working
      },
    });
    return true;
  } catch {
    return false;
  }
}

/** Said, never silent: resources opened deeper into library code than the capture reaches. */
const deeperLine = (count: number) =>
  `leaktrack: ${count === 1 ? '1 resource still open was' : `${count} resources still open were`} opened more than ${currentStackDepth()} frames deep in library code, with no frame of yours among them, so ${count === 1 ? 'it is' : 'they are'} not listed; LEAKTRACK_DEPTH=${Math.max(40, currentStackDepth() * 2)} looks deeper (each open costs more)\n`;

/** Print and write the report now. Never throws. */
export function writeExitReport(options: ExitReportOptions): void {
  try {
    const report = buildReport();
    if (options.stderr !== false && report.unseen) for (const line of unseenLines()) writeStderr(line);
    if (options.stderr !== false && report.leaks.length === 0 && report.deeperThanCapture) writeStderr(deeperLine(report.deeperThanCapture));
    if (options.stderr !== false && report.leaks.length > 0) {
      writeStderr(formatText(report.leaks, { color: stderrWantsColor() }));
      if (report.deeperThanCapture) writeStderr(deeperLine(report.deeperThanCapture));
      if (report.sampled) writeStderr(`leaktrack: sampled (${sampleWords(report.sampled.rate)} opens tracked): these are the leaks among the sampled opens; about ${Math.round(1 / report.sampled.rate)}× as many may be open\n`);
    }
    const path = options.reportPath ?? (options.reportDir && reportFile(options.reportDir, process.pid));
    if (path) writeReportFile(path, JSON.stringify(report));
    // Read by Node after 'exit' (natural end and process.exit alike).
    // An unseen resource is open all the same (a port that keeps the process alive): it fails the run too.
    if (options.fail && (report.leaks.length > 0 || report.unseen) && !process.exitCode) process.exitCode = 1;
    // What could not be tracked may have leaked unseen: no verdict to believe.
    if (options.fail && report.notTracked) {
      writeStderr(`leaktrack: failing this run (LEAKTRACK_FAIL is set): ${notTrackedWords(report.notTracked)}, so leaks there would go unseen\n`);
      if (!process.exitCode) process.exitCode = 1;
    }
  } catch (error) {
    warnOnce(`could not make the leak report: ${(error as Error)?.message ?? error}`);
  }
}

/**
 * A process that starts but never reports (SIGKILL) must not go unnoticed by
 * the `leaktrack` command: it sees this marker without a report.
 */
function markStarted(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const argv = argvForReport([process.argv[0], ...process.execArgv, ...process.argv.slice(1)]);
    writeFileSync(startedFile(dir, process.pid), JSON.stringify({ pid: process.pid, ppid: process.ppid, argv }) + '\n');
  } catch (error) {
    warnOnce(`cannot write to LEAKTRACK_REPORT_DIR ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function writeReportFile(path: string, json: string): void {
  try {
    writeFileSync(path, json + '\n');
  } catch (error) {
    warnOnce(`cannot write LEAKTRACK_REPORT ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
