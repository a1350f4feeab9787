// CI output for merged sites: GitHub Actions annotations and SARIF 2.1.0
// (what code-scanning tools show on the diff).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { MergedSite } from './merge';
import { displayPath } from './text';

const escapeData = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (text: string) => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

const messageOf = (site: MergedSite) =>
  `${site.count}× ${site.kind} opened here and never closed${site.description ? ` (${site.description})` : ''}, in ${site.pids.length} process${site.pids.length === 1 ? '' : 'es'}`;

/** GitHub shows at most this many error annotations of a step (and 50 of a job). */
export const GITHUB_ANNOTATIONS = 10;

/**
 * `::error file=…,line=…,col=…,title=…::…`, one per site, for stdout: the
 * first sites, then one annotation saying how many more (see the step
 * summary). GitHub reads a workflow command only at the start of a line, and
 * the command's own output may not have ended one: a blank line comes first.
 */
export function formatGithub(sites: MergedSite[], cwd = process.cwd()): string {
  if (sites.length === 0) return '';
  const shown = sites.length > GITHUB_ANNOTATIONS ? sites.slice(0, GITHUB_ANNOTATIONS - 1) : sites;
  const lines = shown.map((site) => {
    const props = [
      `file=${escapeProperty(displayPath(site.openedAt.file, cwd))}`,
      `line=${site.openedAt.line}`,
      `col=${site.openedAt.column}`,
      `title=${escapeProperty(`leaktrack: ${site.kind} leak`)}`,
    ];
    return `::error ${props.join(',')}::${escapeData(messageOf(site))}`;
  });
  const more = sites.length - shown.length;
  if (more > 0) {
    const leaks = sites.slice(shown.length).reduce((n, site) => n + site.count, 0);
    lines.push(`::error title=${escapeProperty('leaktrack: more leaks')}::${escapeData(`${more} more sites (${leaks} leaks) not annotated: GitHub shows ${GITHUB_ANNOTATIONS} annotations per step; see the step summary or the log`)}`);
  }
  return `\n${lines.join('\n')}\n`;
}

/** Every site as a Markdown table (for $GITHUB_STEP_SUMMARY). */
export function formatMarkdown(sites: MergedSite[], cwd = process.cwd()): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = sites.map((site) => `| ${site.kind} | \`${cell(`${displayPath(site.openedAt.file, cwd)}:${site.openedAt.line}:${site.openedAt.column}`)}\` | ${site.count} | ${site.pids.length} | ${cell(site.description)} |`);
  const leaks = sites.reduce((n, site) => n + site.count, 0);
  return [`### leaktrack: ${leaks} leak${leaks === 1 ? '' : 's'} from ${sites.length} site${sites.length === 1 ? '' : 's'}`, '', '| kind | opened at | leaks | processes | description |', '| --- | --- | ---: | ---: | --- |', ...rows, ''].join('\n') + '\n';
}

/**
 * What code scanning matches alerts by across runs: the kind, the file and
 * the opening line's text (not its number, which moves when code is added
 * above it), like GitHub's own primaryLocationLineHash.
 */
function fingerprint(site: MergedSite, path: string): string {
  let text = site.openedAt.function;
  try {
    text = readFileSync(site.openedAt.file, 'utf8').split('\n')[site.openedAt.line - 1]?.trim() ?? text;
  } catch {
    // the source is not here: the function name stands in for the line
  }
  return createHash('sha256').update(`${site.kind}\0${path}\0${text}`).digest('hex').slice(0, 32);
}

export function toSarif(sites: MergedSite[], version: string, options: { category?: string; cwd?: string } = {}): object {
  const cwd = options.cwd ?? process.cwd();
  const kinds = [...new Set(sites.map((site) => site.kind))];
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        ...(options.category ? { automationDetails: { id: options.category.endsWith('/') ? options.category : `${options.category}/` } } : {}),
        tool: {
          driver: {
            name: 'leaktrack',
            version,
            informationUri: 'https://www.npmjs.com/package/leaktrack',
            rules: kinds.map((kind) => ({
              id: kind,
              name: kind.replace(/[^A-Za-z0-9]/g, ''),
              shortDescription: { text: `${kind} opened and never closed` },
              defaultConfiguration: { level: 'error' },
            })),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: `${new URL(`file://${cwd.endsWith('/') ? cwd : `${cwd}/`}`).href}` } },
        results: sites.map((site) => {
          const path = displayPath(site.openedAt.file, cwd);
          const relativeToRoot = !path.startsWith('/');
          return {
            ruleId: site.kind,
            ruleIndex: kinds.indexOf(site.kind),
            level: 'error',
            message: { text: messageOf(site) },
            partialFingerprints: { 'leaktrackSite/v1': fingerprint(site, path) },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: relativeToRoot ? { uri: encodeURI(path), uriBaseId: 'SRCROOT' } : { uri: new URL(`file://${path}`).href },
                  region: { startLine: Math.max(1, site.openedAt.line), startColumn: Math.max(1, site.openedAt.column) },
                },
              },
            ],
          };
        }),
      },
    ],
  };
}
