// Many processes, one answer: the per-process reports of a directory
// (LEAKTRACK_REPORT_DIR, what the `leaktrack` command sets) merged, folded by
// opening site across processes, and the processes that never reported.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from '../core/stack';
import type { Leak, LeakReport } from './leaks';
import { notTrackedWords } from '../core/not-tracked';
import { displayPath, plural } from './text';

export interface ProcessInfo {
  pid: number;
  /** The report file it came from, after `leaktrack merge` (pids of shards on other machines may repeat). */
  source?: string;
  argv?: string[];
  /** False when the process started but never wrote its report (SIGKILL, abort, a crash of Node itself). */
  reported: boolean;
}

export interface MergedReport {
  tool: 'leaktrack';
  version: 1;
  processes: ProcessInfo[];
  /** One entry per leaked resource, as in a process report, with its process. */
  leaks: Array<Leak & { pid: number; source?: string }>;
  /** Open resources the processes could not see (LeakReport.unseen), summed by kind: open, lines unknown. */
  unseen?: Record<string, number>;
  /** What some process could not track (LeakReport.notTracked), each once. */
  notTracked?: string[];
}

/** Adds one report's unseen counts and what it could not track into the merged ones. */
function addUnseenAndUntracked(merged: MergedReport, { unseen, notTracked }: Pick<LeakReport, 'unseen' | 'notTracked'>): void {
  for (const [kind, count] of Object.entries(unseen ?? {})) {
    if (typeof count !== 'number' || count <= 0) continue;
    merged.unseen ??= {};
    merged.unseen[kind] = (merged.unseen[kind] ?? 0) + count;
  }
  for (const what of Array.isArray(notTracked) ? notTracked.map(String) : []) {
    merged.notTracked ??= [];
    if (!merged.notTracked.includes(what)) merged.notTracked.push(what);
  }
}

/** What fails `--fail-on-leak`: a leak, a resource open whose line no process could see, or something a process could not track. */
export const hasLeaks = (merged: MergedReport) => merged.leaks.length > 0 || merged.unseen !== undefined || merged.notTracked !== undefined;

export interface MergedSite {
  kind: string;
  openedAt: Frame;
  description: string;
  count: number;
  /** The processes it leaked in (`source#pid` after `leaktrack merge`). */
  pids: Array<number | string>;
}

export const startedFile = (dir: string, pid: number) => join(dir, `leaktrack-${pid}.started.json`);
export const reportFile = (dir: string, pid: number) => join(dir, `leaktrack-${pid}.json`);

export function readReportDir(dir: string): MergedReport {
  const started = new Map<number, string[] | undefined>();
  const reports: LeakReport[] = [];
  for (const name of readdirSync(dir).sort()) {
    const m = /^leaktrack-(\d+)(\.started)?\.json$/.exec(name);
    if (!m) continue;
    try {
      const content = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      if (m[2]) started.set(Number(m[1]), content.argv);
      else reports.push(content as LeakReport);
    } catch {
      // a report cut short (the process was killed while writing): counts as not reported
    }
  }
  const reportedPids = new Set(reports.map((report) => report.pid));
  const pids = [...new Set([...started.keys(), ...reportedPids])].sort((a, b) => a - b);
  const merged: MergedReport = {
    tool: 'leaktrack',
    version: 1,
    processes: pids.map((pid) => ({ pid, argv: started.get(pid), reported: reportedPids.has(pid) })),
    leaks: reports.flatMap((report) => report.leaks.map((leak) => ({ ...leak, pid: report.pid }))),
  };
  for (const report of reports) addUnseenAndUntracked(merged, report);
  return merged;
}

export function mergeSites(leaks: MergedReport['leaks']): MergedSite[] {
  const sites = new Map<string, MergedSite>();
  for (const leak of leaks) {
    const { file, line, column } = leak.openedAt;
    const key = `${leak.kind}\n${file}:${line}:${column}`;
    let site = sites.get(key);
    if (!site) sites.set(key, (site = { kind: leak.kind, openedAt: leak.openedAt, description: leak.description, count: 0, pids: [] }));
    site.count++;
    const process = leak.source === undefined ? leak.pid : `${leak.source}#${leak.pid}`;
    if (!site.pids.includes(process)) site.pids.push(process);
  }
  return [...sites.values()].sort((a, b) => a.kind.localeCompare(b.kind) || b.count - a.count);
}

/**
 * `leaktrack merge`: reports of shards or matrix jobs (each a `--json`
 * merged report, or one process's report) folded into one. A file that is
 * not a leaktrack report, or of another version, is the error it returns.
 */
export function mergeReportFiles(files: string[]): MergedReport | string {
  const merged: MergedReport = { tool: 'leaktrack', version: 1, processes: [], leaks: [] };
  for (const file of files) {
    let content: unknown;
    try {
      content = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      return `${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not JSON, so not a leaktrack report'}`;
    }
    const report = content as Partial<MergedReport & LeakReport>;
    if (report?.tool !== 'leaktrack' || !Array.isArray(report.leaks)) return `${file}: not a leaktrack report`;
    if (report.version !== 1) return `${file}: a leaktrack report of version ${JSON.stringify(report.version)}; this leaktrack reads version 1`;
    const processes = Array.isArray(report.processes) ? report.processes : [{ pid: Number(report.pid), reported: true }];
    for (const p of processes) merged.processes.push({ ...p, source: file });
    for (const leak of report.leaks) merged.leaks.push({ ...leak, pid: Number((leak as { pid?: number }).pid ?? report.pid), source: file });
    addUnseenAndUntracked(merged, report);
  }
  return merged;
}

const commandOf = (argv: string[] | undefined) => (argv ? ['node', ...argv.slice(1)].map(displayArg).join(' ') : 'command unknown');
const displayArg = (arg: string) => (arg.length > 60 ? `${arg.slice(0, 57)}...` : arg);

/** The one summary on stderr: processes, then leaks per kind, folded by site across processes. */
export function formatSummary(merged: MergedReport, cwd = process.cwd()): string {
  const reported = merged.processes.filter((p) => p.reported).length;
  const sites = mergeSites(merged.leaks);
  const out = [
    `leaktrack: ${reported} of ${plural(merged.processes.length, 'process', 'processes')} reported; ${plural(merged.leaks.length, 'leak')} from ${plural(sites.length, 'site')}`,
  ];
  for (const p of merged.processes) {
    if (!p.reported) out.push(`  pid ${p.pid} (${commandOf(p.argv)}) did not report: it was killed (SIGKILL) or aborted before it could`);
  }
  for (const [kind, count] of Object.entries(merged.unseen ?? {})) {
    out.push(`  ${count} ${kind} still open where leaktrack could not see them (their lines are unknown; see the README, Not covered)`);
  }
  if (merged.notTracked) out.push(`  ${notTrackedWords(merged.notTracked)} in some process (its stderr says why): leaks there are not listed`);
  let kind = '';
  for (const site of sites) {
    if (site.kind !== kind) out.push('', (kind = site.kind));
    const where = `${displayPath(site.openedAt.file, cwd)}:${site.openedAt.line}:${site.openedAt.column}`;
    out.push(`  ${plural(site.pids.length, 'process', 'processes')}, ${site.count}× ${site.kind} at ${where}`);
    if (site.description) out.push(`    ${site.description}`);
  }
  return out.join('\n') + '\n';
}
