#!/usr/bin/env node
// `leaktrack [options] -- <command …>`: run a whole command (a test suite, a
// CI step) with the hook in NODE_OPTIONS, so every Node process it starts
// writes its report into a temporary directory; then merge them into one
// summary, one exit code, and CI output. `leaktrack merge a.json b.json …`
// folds the reports of several shards or matrix jobs the same way.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readConfig } from '../config';
import { formatGithub, formatMarkdown, toSarif } from '../report/ci-formats';
import { formatSummary, hasLeaks, mergeReportFiles, mergeSites, readReportDir, type MergedReport } from '../report/merge';

const PACKAGE_ROOT = resolve(__dirname, '..', '..');
const USAGE = `usage: leaktrack [--fail-on-leak] [--json FILE] [--format text|github|sarif] [--output FILE] [--sarif-category ID] -- <command> [args…]
       leaktrack merge [the same options] <report.json>…   (the --json reports of shards or matrix jobs)

  --fail-on-leak     exit 1 when leaks were found, when no process reported, or when the
                     configuration is invalid (the command's own non-zero code wins)
  --json FILE        write the merged report (every process, every leak) to FILE
  --format github    GitHub Actions annotations on stdout (the default when GITHUB_ACTIONS=true),
                     and a table of every site in $GITHUB_STEP_SUMMARY when it is set
  --format sarif     a SARIF 2.1.0 file (--output FILE, default leaktrack.sarif)
  --sarif-category   the SARIF run's category (automationDetails.id), one per matrix job
`;

interface Options {
  failOnLeak: boolean;
  json?: string;
  format: 'text' | 'github' | 'sarif';
  output?: string;
  sarifCategory?: string;
  /** The command to run; for `merge`, the report files. */
  command: string[];
  merge: boolean;
}

const FORMATS = ['text', 'github', 'sarif'];

function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Options | string {
  const merging = argv[0] === 'merge';
  if (merging) argv = argv.slice(1);
  const options: Options = { failOnLeak: false, format: env.GITHUB_ACTIONS === 'true' ? 'github' : 'text', command: [], merge: merging };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      options.command = argv.slice(i + 1);
      break;
    }
    // `--format sarif` and `--format=sarif` alike.
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => (eq > 0 ? arg.slice(eq + 1) : (argv[++i] ?? ''));
    if (name === '--fail-on-leak' && eq < 0) options.failOnLeak = true;
    else if (name === '--json') options.json = value();
    else if (name === '--output') options.output = value();
    else if (name === '--sarif-category') options.sarifCategory = value();
    else if (name === '--format') {
      const format = value();
      if (!FORMATS.includes(format)) return `unknown --format ${JSON.stringify(format)} (text, github, sarif)`;
      options.format = format as Options['format'];
    } else if (arg === '-h' || arg === '--help') return '';
    else if (!arg.startsWith('-') && options.command.length === 0) {
      options.command = argv.slice(i); // `leaktrack node app.js` without `--`; merge's files
      break;
    } else return `unknown option ${arg}`;
  }
  if (options.command.length === 0) return merging ? 'no report given to merge' : 'no command given';
  if (options.json === '' || options.output === '' || options.sarifCategory === '') return 'a value is missing after --json/--output/--sarif-category';
  return options;
}

/** The hook in NODE_OPTIONS, after what the user had there. Quoted: paths may have spaces. */
function withHook(nodeOptions: string | undefined): string {
  const register = JSON.stringify(join(PACKAGE_ROOT, 'register.mjs'));
  return [nodeOptions?.trim(), `--import ${register}`].filter(Boolean).join(' ');
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 1) : 1);
}

function version(): string {
  try {
    return String(JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version);
  } catch {
    return '0.0.0';
  }
}

async function main(): Promise<number> {
  const parsed = parseArgs(process.argv.slice(2), process.env);
  if (typeof parsed === 'string') {
    process.stderr.write(parsed ? `leaktrack: ${parsed}\n${USAGE}` : USAGE);
    return parsed ? 2 : 0;
  }
  if (parsed.merge) {
    const merged = mergeReportFiles(parsed.command);
    if (typeof merged === 'string') {
      process.stderr.write(`leaktrack: merge: ${merged}\n`);
      return 2;
    }
    emit(merged, parsed);
    return parsed.failOnLeak && hasLeaks(merged) ? 1 : 0;
  }
  // The processes would each say it: the command says it once (readConfig's line).
  const config = readConfig();
  if (config.invalid && parsed.failOnLeak) {
    process.stderr.write('leaktrack: --fail-on-leak with a configuration that cannot be trusted: not running the command\n');
    return 2;
  }
  const dir = mkdtempSync(join(tmpdir(), 'leaktrack-run-'));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: withHook(process.env.NODE_OPTIONS), LEAKTRACK_REPORT_DIR: dir };
    delete env.LEAKTRACK_REPORT; // one file per process, in the directory
    if (config.invalid) env.LEAKTRACK = '0'; // untracked, as said
    const child = spawn(parsed.command[0], parsed.command.slice(1), { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, forward(signal));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => {
      child.on('error', (error) => {
        process.stderr.write(`leaktrack: cannot run ${parsed.command[0]}: ${error.message}\n`);
        done([127, null]);
      });
      child.on('exit', (exitCode, exitSignal) => done([exitCode, exitSignal]));
    });

    const merged = readReportDir(dir);
    emit(merged, parsed);
    const commandCode = exitCodeOf(code, signal);
    const noProcess = merged.processes.length === 0 && !config.invalid;
    if (noProcess) {
      process.stderr.write(
        `leaktrack: no process reported: ${parsed.command[0]} started no Node process with the hook (not Node, or NODE_OPTIONS was replaced)${parsed.failOnLeak ? '; failing (--fail-on-leak)' : ''}\n`,
      );
    }
    if (commandCode === 0 && parsed.failOnLeak && (hasLeaks(merged) || noProcess)) return 1;
    return commandCode;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The summary on stderr, and the merged JSON, GitHub and SARIF output asked for. */
function emit(merged: MergedReport, parsed: Options): void {
  process.stderr.write(formatSummary(merged));
  if (parsed.json) writeFileSync(parsed.json, JSON.stringify(merged, null, 2) + '\n');
  const sites = mergeSites(merged.leaks);
  if (parsed.format === 'github') {
    process.stdout.write(formatGithub(sites));
    writeStepSummary(sites);
  }
  if (parsed.format === 'sarif') {
    const output = parsed.output ?? 'leaktrack.sarif';
    writeFileSync(output, JSON.stringify(toSarif(sites, version(), { category: parsed.sarifCategory }), null, 2) + '\n');
    process.stderr.write(`leaktrack: SARIF written to ${resolve(output)}\n`);
  }
}

/** GitHub shows a job's step summary as Markdown: every site, where annotations stop at a few. */
function writeStepSummary(sites: ReturnType<typeof mergeSites>): void {
  const path = process.env.GITHUB_STEP_SUMMARY;
  if (!path || sites.length === 0) return;
  try {
    appendFileSync(path, formatMarkdown(sites));
  } catch (error) {
    process.stderr.write(`leaktrack: cannot write GITHUB_STEP_SUMMARY ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`leaktrack: ${(error as Error).stack ?? error}\n`);
    process.exitCode = 2;
  },
);
