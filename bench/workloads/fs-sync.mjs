// fs.openSync + closeSync of a small file.
import { openSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { measureSync } from './measure.mjs';

const file = fileURLToPath(import.meta.url);
measureSync(100_000, () => closeSync(openSync(file, 'r')));
