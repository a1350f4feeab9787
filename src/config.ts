// Settings from the environment. A bad value is said once on stderr and
// ignored: the program always runs on.
import { isAbsolute, resolve } from 'node:path';
import { warnOnce } from './core/warn';

export interface Config {
  /** LEAKTRACK=0 switches the hook off entirely. */
  enabled: boolean;
  /** LEAKTRACK_REPORT: where to write the JSON report (`%p` = pid). */
  reportPath?: string;
}

const OFF = new Set(['0', 'false', 'off', 'no']);
const ON = new Set(['1', 'true', 'on', 'yes', '']);

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return { enabled: readEnabled(env.LEAKTRACK), reportPath: readReportPath(env.LEAKTRACK_REPORT) };
}

function readEnabled(value: string | undefined): boolean {
  if (value === undefined) return true;
  const v = value.trim().toLowerCase();
  if (OFF.has(v)) return false;
  if (!ON.has(v)) warnOnce(`LEAKTRACK=${JSON.stringify(value)} is not one of 1/0/true/false; tracking stays on`);
  return true;
}

function readReportPath(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const path = value.replace(/%p/g, String(process.pid));
  if (isAbsolute(path)) return path;
  const absolute = resolve(path);
  warnOnce(`LEAKTRACK_REPORT should be an absolute path; writing ${absolute}`);
  return absolute;
}
