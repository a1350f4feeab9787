// Settings, read once per process (`processConfig`): `leaktrack.config.json`
// (or a "leaktrack" field in package.json) in the current directory, or the
// file LEAKTRACK_CONFIG names; environment variables override it. A bad
// value is said once on stderr and ignored; an invalid config (a bad field,
// an unknown kind name) is named in one line and switches tracking off: the
// program always runs on.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { processWide } from './core/process-wide';
import { warnOnce } from './core/warn';
import { kindNames } from './instrument/index';

/** Leaks matching any rule are accepted, long-lived resources: not reported. */
export interface IgnoreRule {
  /** A kind (`net.Server`) or a family (`net.*`). */
  kind?: string;
  /** A glob of the opening site's file, relative to the cwd (`test/fixtures/**`). */
  file?: string;
  /** A regular expression the description must match. */
  description?: string;
}

export interface Config {
  /** LEAKTRACK=0 switches the hook off entirely; so does an invalid config. */
  enabled: boolean;
  /** Why the config is invalid (already said on stderr); undefined when valid. */
  invalid?: string;
  /** LEAKTRACK_REPORT: where to write the JSON report (`%p` = pid). */
  reportPath?: string;
  /** LEAKTRACK_REPORT_DIR: a directory of per-process reports (what the `leaktrack` command uses). */
  reportDir?: string;
  /** LEAKTRACK_FAIL=1: exit code 1 instead of 0 when leaks were found. */
  fail: boolean;
  /** LEAKTRACK_INTERVAL: the live census period in ms. */
  intervalMs?: number;
  /** Kinds to report (`kinds` / LEAKTRACK_KINDS); all when absent. */
  kinds?: string[];
  /** `ignore` / LEAKTRACK_IGNORE_KINDS, LEAKTRACK_IGNORE_FILES, LEAKTRACK_IGNORE_DESCRIPTIONS. */
  ignore: IgnoreRule[];
  /** LEAKTRACK_GRACE_MS: how long the test helpers wait for a test's resources still closing. */
  graceMs: number;
  /** `redact` / LEAKTRACK_REDACT=0: keep secrets out of descriptions (on by default). */
  redact: boolean;
  /**
   * `stderr` / LEAKTRACK_STDERR=0: the text report on stderr at exit. Off by
   * itself under the `leaktrack` command (LEAKTRACK_REPORT_DIR): there the
   * processes write only their JSON and the command prints the one summary.
   */
  stderr: boolean;
  /**
   * `sample` / LEAKTRACK_SAMPLE (`1/128`, or a fraction in (0, 1]): the share
   * of opens that get a stack and a tag, under the hook. Undefined: all.
   */
  sample?: number;
  /** LEAKTRACK_DEPTH: frames kept per opening stack (12). */
  depth?: number;
}

/** How long a test may take to finish closing after it ended (a socket's close a tick later). */
export const DEFAULT_GRACE_MS = 100;

/** The configuration of this process, read on first use. */
export function processConfig(): Config {
  return processWide('config', () => ({ value: readConfig() })).value;
}

const OFF = new Set(['0', 'false', 'off', 'no']);
const ON = new Set(['1', 'true', 'on', 'yes', '']);

export function readConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const on = readSwitch('LEAKTRACK', env.LEAKTRACK, true);
  // Switched off: nothing else is read, nothing else is said.
  const file = on ? readConfigFile(env, cwd) : { ignore: [] };
  const invalid = on ? (file.invalid ?? checkEnvKinds(env)) : undefined;
  const config: Config = {
    enabled: on && invalid === undefined,
    invalid,
    reportPath: readReportPath(env.LEAKTRACK_REPORT),
    reportDir: readDir(env.LEAKTRACK_REPORT_DIR),
    fail: readSwitch('LEAKTRACK_FAIL', env.LEAKTRACK_FAIL, false),
    intervalMs: readDuration(env.LEAKTRACK_INTERVAL),
    kinds: list(env.LEAKTRACK_KINDS) ?? file.kinds,
    ignore: [
      ...(list(env.LEAKTRACK_IGNORE_KINDS)?.map((kind) => ({ kind })) ?? []),
      ...(list(env.LEAKTRACK_IGNORE_FILES)?.map((glob) => ({ file: glob })) ?? []),
      ...(list(env.LEAKTRACK_IGNORE_DESCRIPTIONS)?.map((pattern) => ({ description: pattern })) ?? []),
      ...file.ignore,
    ],
    graceMs: readGrace(env.LEAKTRACK_GRACE_MS),
    redact: readSwitch('LEAKTRACK_REDACT', env.LEAKTRACK_REDACT, file.redact ?? true),
    stderr: readSwitch('LEAKTRACK_STDERR', env.LEAKTRACK_STDERR, file.stderr ?? true) && !env.LEAKTRACK_REPORT_DIR,
    depth: readDepth(env.LEAKTRACK_DEPTH),
    sample: env.LEAKTRACK_SAMPLE !== undefined && env.LEAKTRACK_SAMPLE !== '' ? readSample(env.LEAKTRACK_SAMPLE, 'LEAKTRACK_SAMPLE') : file.sample,
  };
  for (const rule of config.ignore) if (rule.description !== undefined && !validRegExp(rule.description)) {
    warnOnce(`ignore pattern ${JSON.stringify(rule.description)} is not a regular expression; it is skipped`);
    rule.description = undefined;
  }
  return config;
}

function readSwitch(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  const v = value.trim().toLowerCase();
  if (OFF.has(v)) return false;
  if (ON.has(v)) return v === '' ? fallback : true;
  warnOnce(`${name}=${JSON.stringify(value)} is not one of 1/0/true/false; ${name === 'LEAKTRACK' ? 'tracking stays on' : `${name} stays ${fallback ? 'on' : 'off'}`}`);
  return fallback;
}

function readReportPath(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const path = value.replace(/%p/g, String(process.pid));
  if (isAbsolute(path)) return path;
  const absolute = resolve(path);
  warnOnce(`LEAKTRACK_REPORT should be an absolute path; writing ${absolute}`);
  return absolute;
}

function readGrace(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_GRACE_MS;
  const ms = Number(value);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  warnOnce(`LEAKTRACK_GRACE_MS=${JSON.stringify(value)} is not a number of milliseconds; using ${DEFAULT_GRACE_MS}`);
  return DEFAULT_GRACE_MS;
}

function readDepth(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const depth = Number(value);
  if (Number.isInteger(depth) && depth >= 1 && depth <= 200) return depth;
  warnOnce(`LEAKTRACK_DEPTH=${JSON.stringify(value)} is not a whole number of frames from 1 to 200; keeping 12`);
  return undefined;
}

/** `1/N` or a fraction in (0, 1]; anything else is said once, and every open is tracked. */
export function readSample(value: unknown, name: string): number | undefined {
  const text = String(value).trim();
  const m = /^1\s*\/\s*(\d+)$/.exec(text);
  const rate = m ? 1 / Number(m[1]) : /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(text) ? Number(text) : NaN;
  if (rate > 0 && rate <= 1 && Number.isFinite(rate)) return rate === 1 ? undefined : rate;
  warnOnce(`${name}=${JSON.stringify(value)} is not a sample rate (1/N, or a fraction in (0, 1] like 0.01); every open is tracked`);
  return undefined;
}

function readDir(value: string | undefined): string | undefined {
  return value ? resolve(value) : undefined;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `250ms`, `60s`, `5m`, `1h`, or a number of milliseconds. */
export function readDuration(value: string | undefined, name = 'LEAKTRACK_INTERVAL'): number | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  const ms = m ? Number(m[1]) * UNITS[m[2] ?? 'ms'] : NaN;
  if (ms >= 10) return ms;
  warnOnce(`${name}=${JSON.stringify(value)} is not a duration of at least 10ms (like 60s or 5m); it is ignored`);
  return undefined;
}

function list(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value.split(',').map((item) => item.trim()).filter(Boolean);
}

function validRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

// ---- the config file --------------------------------------------------------

interface FileConfig {
  invalid?: string;
  kinds?: string[];
  ignore: IgnoreRule[];
  redact?: boolean;
  stderr?: boolean;
  sample?: number;
}

function readConfigFile(env: NodeJS.ProcessEnv, cwd: string): FileConfig {
  const found = findConfig(env, cwd);
  if (!found) return { ignore: [] };
  const problem = checkConfig(found.value);
  if (problem) return { invalid: offForThisRun(`${found.where}: ${problem}`), ignore: [] };
  const value = found.value as { kinds?: string[]; ignore?: IgnoreRule[]; redact?: boolean; stderr?: boolean; sample?: unknown };
  const sample = value.sample === undefined ? undefined : readSample(value.sample, `${found.where} "sample"`);
  return { kinds: value.kinds, ignore: value.ignore?.map((rule) => ({ ...rule })) ?? [], redact: value.redact, stderr: value.stderr, sample };
}

function offForThisRun(problem: string): string {
  warnOnce(`${problem}; leaktrack is off for this run`);
  return problem;
}

function checkEnvKinds(env: NodeJS.ProcessEnv): string | undefined {
  for (const name of ['LEAKTRACK_KINDS', 'LEAKTRACK_IGNORE_KINDS'] as const) {
    for (const kind of list(env[name]) ?? []) {
      const problem = checkKindName(kind);
      if (problem) return offForThisRun(`${name}: ${problem}`);
    }
  }
  return undefined;
}

function findConfig(env: NodeJS.ProcessEnv, cwd: string): { where: string; value: unknown } | undefined {
  const explicit = env.LEAKTRACK_CONFIG;
  const candidates = explicit ? [resolve(cwd, explicit)] : [join(cwd, 'leaktrack.config.json'), join(cwd, 'package.json')];
  for (const path of candidates) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      if (explicit) return { where: path, value: Symbol('missing') };
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { where: path, value: Symbol(`not JSON: ${(error as Error).message}`) };
    }
    if (path.endsWith('package.json')) {
      const field = (value as { leaktrack?: unknown } | null)?.leaktrack;
      if (field === undefined) continue;
      return { where: `${path} "leaktrack"`, value: field };
    }
    return { where: path, value };
  }
  return undefined;
}

const FIELDS = ['kinds', 'ignore', 'redact', 'stderr', 'sample'];

/** The first problem with a config value, naming the field; undefined when valid. */
export function checkConfig(value: unknown): string | undefined {
  if (typeof value === 'symbol') return value.description === 'missing' ? 'cannot be read' : (value.description ?? 'invalid');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be a JSON object';
  const config = value as Record<string, unknown>;
  for (const key of Object.keys(config)) if (!FIELDS.includes(key)) return `unknown field "${key}" (known: ${FIELDS.join(', ')})`;
  for (const flag of ['redact', 'stderr']) if (config[flag] !== undefined && typeof config[flag] !== 'boolean') return `"${flag}" must be true or false`;
  if (config.kinds !== undefined && (!Array.isArray(config.kinds) || config.kinds.some((kind) => typeof kind !== 'string'))) {
    return '"kinds" must be an array of kind names like "net.Socket" or "fs.*"';
  }
  for (const [index, kind] of ((config.kinds as string[] | undefined) ?? []).entries()) {
    const problem = checkKindName(kind);
    if (problem) return `"kinds[${index}]": ${problem}`;
  }
  if (config.ignore === undefined) return undefined;
  if (!Array.isArray(config.ignore)) return '"ignore" must be an array of rules';
  for (const [index, rule] of config.ignore.entries()) {
    const field = `"ignore[${index}]"`;
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return `${field} must be an object with kind, file or description`;
    const entries = Object.entries(rule as Record<string, unknown>);
    if (entries.length === 0) return `${field} is empty: give kind, file or description`;
    for (const [key, v] of entries) {
      if (key !== 'kind' && key !== 'file' && key !== 'description') return `${field}.${key} is not a rule field (kind, file, description)`;
      if (typeof v !== 'string') return `${field}.${key} must be a string`;
      if (key === 'description' && !validRegExp(v)) return `${field}.description is not a valid regular expression`;
      const kindProblem = key === 'kind' ? checkKindName(v) : undefined;
      if (kindProblem) return `${field}.kind: ${kindProblem}`;
    }
  }
  return undefined;
}

// ---- kind names ---------------------------------------------------------------

/**
 * A kind pattern (`net.Socket`, `net.*`, `*`) is checked against the kinds the
 * module definitions produce. A name in one of leaktrack's families must be
 * one of its kinds; so must a name that differs from one only by case or a
 * typo. Other families are the program's own tags' (`app.Lock`): taken as
 * written. Undefined when the name is fine, else the problem.
 */
export function checkKindName(pattern: string, known: readonly string[] = kindNames()): string | undefined {
  if (pattern === '*' || known.includes(pattern)) return undefined;
  const families = [...new Set(known.map(familyOf))];
  const dot = pattern.indexOf('.');
  const family = dot > 0 ? pattern.slice(0, dot) : '';
  const unknown = (suggestion: string | undefined) => `unknown kind ${JSON.stringify(pattern)}${suggestion ? ` (did you mean ${JSON.stringify(suggestion)}?)` : ''}`;
  if (pattern.endsWith('.*')) {
    if (families.includes(family)) return undefined;
    const sameButCase = families.find((f) => f.toLowerCase() === family.toLowerCase());
    return sameButCase ? unknown(`${sameButCase}.*`) : undefined;
  }
  const closest = closestName(pattern, known);
  if (families.includes(family)) return unknown(closest?.name);
  // `FileHandle` for `fs.FileHandle`; `net.server`, `pgg.Pool`: a case or typo away.
  const sameName = known.find((kind) => kind.slice(kind.indexOf('.') + 1).toLowerCase() === pattern.toLowerCase());
  if (sameName) return unknown(sameName);
  return closest && closest.distance <= 2 ? unknown(closest.name) : undefined;
}

const familyOf = (kind: string) => kind.slice(0, kind.indexOf('.'));

function closestName(pattern: string, known: readonly string[]): { name: string; distance: number } | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(pattern.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(3, Math.floor(pattern.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
