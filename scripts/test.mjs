#!/usr/bin/env node
// The README's test command: makes sure the services the tests need answer, then runs
// the whole vitest suite and prints the plain summary line `N passed, N failed`.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = join(root, '.tmp');
mkdirSync(tmp, { recursive: true });

function answers(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    const done = (ok) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** The redis-server binary: the Redis nemesis tests start private servers, so it must exist (installed with apt if needed). */
function redisServerBinary() {
  let bin = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (!bin) {
    console.log('[test] redis-server is missing: installing it with apt');
    spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server'], { stdio: 'inherit' });
    bin = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
    if (!bin) throw new Error('redis-server could not be installed');
  }
  return bin;
}

/**
 * Debian's Chromium for the browser tests (playwright-core drives it; never `npx playwright install`,
 * which downloads a browser build): installed with apt when missing. The browser tests are never
 * skipped, so a machine without it fails them loudly.
 */
function chromiumBinary() {
  const find = () => spawnSync('sh', ['-c', 'command -v chromium || true'], { encoding: 'utf8' }).stdout.trim();
  let bin = process.env.CHROMIUM_PATH || find();
  if (!bin) {
    console.log('[test] chromium is missing: installing it with apt');
    spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], { stdio: 'inherit' });
    bin = find();
    if (!bin) console.log('[test] chromium could not be installed: the browser tests will fail');
  }
  return bin || '/usr/bin/chromium';
}

/** Returns a REDIS_URL that answers, starting a private redis-server when none does. */
async function ensureRedis(bin) {
  const wanted = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await answers(wanted)) return { url: wanted };
  const port = 20000 + (process.pid % 20000);
  const pidfile = join(tmp, `redis-${port}.pid`);
  spawnSync(bin, ['--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'yes', '--pidfile', pidfile, '--save', '', '--appendonly', 'no', '--dir', tmp], { stdio: 'inherit' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await answers(url)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await answers(url))) throw new Error(`started redis-server on ${port} but it does not answer`);
  console.log(`[test] started a private redis-server at ${url}`);
  return {
    url,
    stop() {
      if (existsSync(pidfile)) {
        const pid = Number(readFileSync(pidfile, 'utf8').trim());
        if (pid) try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
      }
    },
  };
}

/** Connects with node-postgres (the store package's driver) and runs one statement; resolves to the error, if any. */
async function pgTry(url, statement = 'SELECT 1') {
  const pg = createRequire(join(root, 'packages', 'store-postgres', 'package.json'))('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(statement);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Makes sure the database of `url` exists (CREATE DATABASE through the `postgres` database). */
async function ensureDatabase(url) {
  const error = await pgTry(url);
  if (!error) return true;
  if (error.code !== '3D000') return false;
  const admin = new URL(url);
  const name = decodeURIComponent(admin.pathname.slice(1));
  admin.pathname = '/postgres';
  const created = await pgTry(admin.toString(), `CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  return !created || created.code === '42P04' ? !(await pgTry(url)) : false;
}

/** PostgreSQL's server binaries: the newest Debian install, installed with apt when missing. */
function postgresBinDir() {
  const find = () => {
    const base = '/usr/lib/postgresql';
    const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
    return versions[0] ? join(base, versions[0], 'bin') : undefined;
  };
  let dir = process.env.PG_BIN_DIR ?? find();
  if (!dir) {
    console.log('[test] PostgreSQL is missing: installing it with apt');
    spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql'], { stdio: 'inherit' });
    dir = find();
    if (!dir) throw new Error('postgresql could not be installed');
  }
  return dir;
}

const freePort = () => new Promise((resolve) => {
  const server = net.createServer();
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});

/**
 * Returns a DATABASE_URL that answers (its database created if missing). When nothing usable
 * answers, starts a private cluster (initdb + pg_ctl, trust auth on 127.0.0.1) on a free port in
 * .tmp/; the server refuses to run as root, so as root it runs as the `postgres` user.
 */
async function ensurePostgres(bin) {
  const wanted = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  if (await ensureDatabase(wanted)) return { url: wanted };
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  // As root the server runs as `postgres`, which must reach its directory: use the system temp
  // dir (the checkout may sit under a private home directory).
  const dir = asRoot ? mkdtempSync(join(tmpdir(), 'agentrt-test-pg-')) : join(tmp, `pg-${port}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (asRoot) {
    if (spawnSync('id', ['-u', 'postgres']).status !== 0) spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'inherit' });
    const id = (flag) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const run = (tool, args) => {
    const command = join(bin, tool);
    const result = asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'inherit', cwd: dir }) : spawnSync(command, args, { stdio: 'inherit', cwd: dir });
    if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${result.status})`);
  };
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start']);
  const url = `postgres://postgres@127.0.0.1:${port}/test`;
  if (!(await ensureDatabase(url))) throw new Error(`started PostgreSQL on ${port} but it does not answer`);
  console.log(`[test] started a private PostgreSQL at ${url}`);
  return {
    url,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } catch { /* already gone */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Child-process tests (crash harness, cross-process kill) run built code: build first.
const build = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const redisBin = redisServerBinary();
const redis = await ensureRedis(redisBin);
const pgBin = postgresBinDir();
const postgres = await ensurePostgres(pgBin);
const chromium = chromiumBinary();
const report = join(tmp, 'vitest-results.json');
rmSync(report, { force: true });
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const args = [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, REDIS_URL: redis.url, REDIS_SERVER_BIN: redisBin, DATABASE_URL: postgres.url, PG_BIN_DIR: pgBin, CHROMIUM_PATH: chromium } });
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
redis.stop?.();
postgres.stop?.();

let passed = 0, failed = 0, skipped = 0;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests ?? 0;
  failed = (json.numFailedTests ?? 0) + (json.numRuntimeErrorTestSuites ?? 0);
  skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
} else {
  failed = 1;
}
if (code !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || code !== 0 ? 1 : 0);
