// node:stream pipelines over files and gzip, there and back.
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createGzip, createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'leaktrack-gzip-'));
await pipeline(createReadStream(self), createGzip(), createWriteStream(join(dir, 'self.gz')));
await pipeline(createReadStream(join(dir, 'self.gz')), createGunzip(), createWriteStream(join(dir, 'self')));
console.log('round trip', readFileSync(join(dir, 'self'), 'utf8') === readFileSync(self, 'utf8'), statSync(join(dir, 'self.gz')).size > 0);
rmSync(dir, { recursive: true });
