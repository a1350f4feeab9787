// CI output for merged sites: GitHub Actions annotations and SARIF 2.1.0
// (what code-scanning tools show on the diff).
import type { MergedSite } from './merge';
import { displayPath } from './text';

const escapeData = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (text: string) => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

const messageOf = (site: MergedSite) =>
  `${site.count}× ${site.kind} opened here and never closed${site.description ? ` (${site.description})` : ''}, in ${site.pids.length} process${site.pids.length === 1 ? '' : 'es'}`;

/** `::error file=…,line=…,col=…,title=…::…`, one per site, for stdout. */
export function formatGithub(sites: MergedSite[], cwd = process.cwd()): string {
  return sites
    .map((site) => {
      const props = [
        `file=${escapeProperty(displayPath(site.openedAt.file, cwd))}`,
        `line=${site.openedAt.line}`,
        `col=${site.openedAt.column}`,
        `title=${escapeProperty(`leaktrack: ${site.kind} leak`)}`,
      ];
      return `::error ${props.join(',')}::${escapeData(messageOf(site))}\n`;
    })
    .join('');
}

export function toSarif(sites: MergedSite[], version: string, cwd = process.cwd()): object {
  const kinds = [...new Set(sites.map((site) => site.kind))];
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
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
