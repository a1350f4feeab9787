// The start-up bench's ESM app: an entry importing 199 small modules.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes the app into `dir`; returns its entry file. */
export function makeEsmApp(dir) {
  const names = Array.from({ length: 199 }, (_, i) => `m${i}.mjs`);
  for (const [i, name] of names.entries()) writeFileSync(join(dir, name), `export const value${i} = ${i};\nexport function f${i}() { return value${i}; }\n`);
  writeFileSync(join(dir, 'app.mjs'), names.map((name, i) => `import { f${i} } from './${name}';`).join('\n') + `\nglobalThis.sum = ${names.map((_, i) => `f${i}()`).join(' + ')};\n`);
  return join(dir, 'app.mjs');
}
