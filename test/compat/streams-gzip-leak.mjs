// A gzip pipeline, and a deliberate leak: a write stream never ended.
import { createReadStream, createWriteStream, mkdtempSync } from 'node:fs';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = mkdtempSync(join(tmpdir(), 'leaktrack-gzip-'));
await pipeline(createReadStream(fileURLToPath(import.meta.url)), createGzip(), createWriteStream(join(dir, 'self.gz')));
const log = createWriteStream(join(dir, 'log.txt')); // leak: fs.WriteStream
log.write('started\n');
console.log('done');
