// fs/promises open + close of a small file.
import { open } from 'node:fs/promises';
import { measure } from './measure.mjs';

const file = new URL(import.meta.url);
await measure(20_000, async () => {
  const handle = await open(file);
  await handle.close();
});
