#!/usr/bin/env node
// `leaktrack [options] -- <command …>`: run a whole command (a test suite, a
// CI step) with the hook in NODE_OPTIONS, so every Node process it starts
// writes its report into a temporary directory; then merge them into one
// summary, one exit code, and CI output.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatGithub, toSarif } from '../report/ci-formats';
import { formatSummary, mergeSites, readReportDir } from '../report/merge';

const PACKAGE_ROOT = resolve(__dirname, '..', '..');
const USAGE = `usage: leaktrack [--fail-on-leak] [--json FILE] [--format text|github|sarif] [--output FILE] -- <command> [args…]

  --fail-on-leak   exit 1 when leaks were found (the command's own non-zero code wins)
  --json FILE      write the merged report (every process, every leak) to FILE
  --format github  GitHub Actions annotations on stdout (the default when GITHUB_ACTIONS=true)
  --format sarif   a SARIF 2.1.0 file (--output FILE, default leaktrack.sarif)
`;

interface Options {
  failOnLeak: boolean;
  json?: string;
  format: 'text' | 'github' | 'sarif';
  output?: string;
  command: string[];
}

function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Options | string {
  const options: Options = { failOnLeak: false, format: env.GITHUB_ACTIONS === 'true' ? 'github' : 'text', command: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      options.command = argv.slice(i + 1);
      break;
    }
    const value = () => argv[++i] ?? '';
    if (arg === '--fail-on-leak') options.failOnLeak = true;
    else if (arg === '--json') options.json = value();
    else if (arg === '--output') options.output = value();
    else if (arg === '--format') {
      const format = value();
      if (format !== 'text' && format !== 'github' && format !== 'sarif') return `unknown --format ${JSON.stringify(format)} (text, github, sarif)`;
      options.format = format;
    } else if (arg === '-h' || arg === '--help') return '';
    else if (!arg.startsWith('-') && options.command.length === 0) {
      options.command = argv.slice(i); // `leaktrack node app.js` without `--`
      break;
    } else return `unknown option ${arg}`;
  }
  if (options.command.length === 0) return 'no command given';
  if (options.json === '' || options.output === '') return 'a file name is missing after --json/--output';
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
  const dir = mkdtempSync(join(tmpdir(), 'leaktrack-run-'));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: withHook(process.env.NODE_OPTIONS), LEAKTRACK_REPORT_DIR: dir };
    delete env.LEAKTRACK_REPORT; // one file per process, in the directory
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
    process.stderr.write(formatSummary(merged));
    if (parsed.json) writeFileSync(parsed.json, JSON.stringify(merged, null, 2) + '\n');
    const sites = mergeSites(merged.leaks);
    if (parsed.format === 'github') process.stdout.write(formatGithub(sites));
    if (parsed.format === 'sarif') writeFileSync(parsed.output ?? 'leaktrack.sarif', JSON.stringify(toSarif(sites, version()), null, 2) + '\n');

    const commandCode = exitCodeOf(code, signal);
    if (commandCode === 0 && parsed.failOnLeak && merged.leaks.length > 0) return 1;
    return commandCode;
  } finally {
    rmSync(dir, { recursive: true, force: true });
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
