import { execFileSync } from 'node:child_process';
import { closeSync, constants, linkSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';

/**
 * Path inputs a filesystem tool must never let escape its root (RELIABILITY.md B-22…B-25).
 * `reject: true` entries must fail with `path_outside_root` (or invalid args); the rest may
 * resolve inside the root (e.g. a directory literally named `....`) but must never reach outside.
 */
export const PATH_TRAVERSAL: readonly { readonly path: string; readonly reject: boolean }[] = [
  { path: '../secret.txt', reject: true },
  { path: '../../etc/passwd', reject: true },
  { path: '../../../../../../../../etc/passwd', reject: true },
  { path: 'a/../../secret.txt', reject: true },
  { path: 'a/b/../../../secret.txt', reject: true },
  { path: './../secret.txt', reject: true },
  { path: 'sub/./../../secret.txt', reject: true },
  { path: '/etc/passwd', reject: true },
  { path: '//etc/passwd', reject: true },
  { path: '/etc/shadow', reject: true },
  { path: '/proc/self/environ', reject: true },
  { path: '/proc/self/cwd/secret.txt', reject: true },
  { path: '/dev/zero', reject: true },
  { path: '/tmp', reject: true },
  { path: '/', reject: true },
  { path: '..', reject: true },
  { path: '../', reject: true },
  { path: '../.', reject: true },
  { path: 'sub/..', reject: false },
  { path: '..\\secret.txt', reject: true },
  { path: '..\\..\\secret.txt', reject: true },
  { path: 'C:\\Windows\\win.ini', reject: true },
  { path: 'C:/Windows/win.ini', reject: true },
  { path: '\\\\server\\share\\x', reject: true },
  { path: 'file:///etc/passwd', reject: true },
  { path: '~/secret.txt', reject: true },
  { path: '~root/.ssh/id_rsa', reject: true },
  { path: '%2e%2e%2fsecret.txt', reject: true },
  { path: '%2e%2e/secret.txt', reject: true },
  { path: '..%2fsecret.txt', reject: true },
  { path: '%2e%2e%5csecret.txt', reject: true },
  { path: '..%c0%afsecret.txt', reject: true },
  { path: '..%c1%9csecret.txt', reject: true },
  { path: '..%252fsecret.txt', reject: true },
  { path: '%252e%252e%252fsecret.txt', reject: true },
  { path: 'secret.txt\u0000.png', reject: true },
  { path: '\u0000', reject: true },
  { path: '../\u0000secret.txt', reject: true },
  { path: 'a/'.repeat(2_000) + 'x', reject: true },
  { path: '../root-evil/secret.txt', reject: true },
  { path: '../root-evilsecret.txt', reject: true },
  { path: '....//secret.txt', reject: false },
  { path: '..../secret.txt', reject: false },
  { path: '.../secret.txt', reject: false },
  { path: '..;/secret.txt', reject: false },
  { path: '\u2025/secret.txt', reject: false },
  { path: '\uff0e\uff0e/secret.txt', reject: false },
  { path: '..\u2215secret.txt', reject: false },
  { path: ' ../secret.txt', reject: false },
  { path: '../secret.txt ', reject: true },
  { path: 'sub/../../../secret.txt', reject: true },
  { path: './././../secret.txt', reject: true },
  { path: 'sub//..//..//secret.txt', reject: true },
  { path: 'sub/\\..\\..\\secret.txt', reject: true },
  { path: '/../secret.txt', reject: true },
  { path: '../' + 'x'.repeat(255), reject: true },
  { path: 'link-out/secret.txt', reject: true },
  { path: 'link-out', reject: true },
  { path: 'link-file', reject: true },
  { path: 'link-dir-out/new-file.txt', reject: true },
  { path: 'sub/link-up/secret.txt', reject: true },
  { path: 'link-loop/x', reject: true },
];

/** The symlinks the fs corpus expects inside the test root (created by the test, not shipped as files). */
export const PATH_TRAVERSAL_SYMLINKS: readonly { readonly link: string; readonly target: 'outside-dir' | 'outside-file' | 'parent-of-root' | 'self' }[] = [
  { link: 'link-out', target: 'outside-dir' },
  { link: 'link-file', target: 'outside-file' },
  { link: 'link-dir-out', target: 'outside-dir' },
  { link: 'sub/link-up', target: 'parent-of-root' },
  { link: 'link-loop', target: 'self' },
];

/**
 * Non-regular and multiply-linked files the fs corpus expects inside the test root (created by
 * `createPathTraversalLayout`): a tool must refuse to read or write them without ever blocking
 * (a FIFO opened without `O_NONBLOCK` hangs a libuv thread forever), and must never read the
 * canary through a hard link. `device` and `hardlink-outside` are created only where the OS
 * allows it (`mknod` needs root; hard links need one filesystem and ownership).
 */
export const PATH_TRAVERSAL_SPECIAL_FILES: readonly { readonly path: string; readonly kind: 'fifo' | 'socket' | 'device' | 'hardlink-outside' | 'symlink-device' | 'symlink-proc'; /** Where a `symlink-*` entry points. */ readonly target?: string }[] = [
  { path: 'pipe', kind: 'fifo' },
  { path: 'sub/pipe.txt', kind: 'fifo' },
  { path: 'notes.sock', kind: 'socket' },
  { path: 'zero-device', kind: 'device' },
  { path: 'hard-secret.txt', kind: 'hardlink-outside' },
  { path: 'sub/hard-secret.md', kind: 'hardlink-outside' },
  { path: 'link-dev-zero', kind: 'symlink-device', target: '/dev/zero' },
  { path: 'link-environ', kind: 'symlink-proc', target: '/proc/self/environ' },
  { path: 'link-proc-root', kind: 'symlink-proc', target: '/proc/self/root' },
  { path: 'sub/link-proc-cwd', kind: 'symlink-proc', target: '/proc/self/cwd' },
];

/**
 * Odd but legitimate names inside the root: a tool must write, read, list and search them
 * like any other file (spaces, leading dots and dashes, Unicode, shell and glob characters,
 * a colon and a percent sign not followed by hex digits, long names, nested directories).
 */
export const LEGITIMATE_NAMES: readonly string[] = [
  'plain.txt',
  'spaces in name.txt',
  ' leading space.txt',
  'trailing space .txt',
  '.hidden',
  '..double-dot-prefix.txt',
  '...',
  'a..b.txt',
  '-dash-first.txt',
  '--',
  'ünïcödé.md',
  '日本語のファイル.txt',
  'emoji-😀.txt',
  'semi;colon.txt',
  "quote'single.txt",
  'quote"double.txt',
  'hash#tag.txt',
  'question?.txt',
  'star*.txt',
  'brackets[1].txt',
  'braces{a,b}.txt',
  'dollar$HOME.txt',
  'percent 50% off.txt',
  'notes:2024.txt',
  'tab\tname.txt',
  `${'x'.repeat(200)}.txt`,
  'deep/nested/dir/file.txt',
  'dir with spaces/file name.txt',
  '....txt',
];

/** Where `createPathTraversalLayout` put things. */
export interface PathTraversalLayout {
  /** Holds the root and, beside it, everything outside it. */
  readonly base: string;
  /** The directory to give the pack as its root. */
  readonly root: string;
  /** The text of every file outside the root: it must never appear in a tool's output. */
  readonly canary: string;
  /** Special files actually created (device and hard-link entries depend on the OS and privileges). */
  readonly special: readonly { readonly path: string; readonly kind: (typeof PATH_TRAVERSAL_SPECIAL_FILES)[number]['kind'] }[];
  /** Files outside the root with their content, for "nothing outside changed" checks. */
  snapshotOutside(): string;
  /** Opens every FIFO in the layout for read and write without blocking, which releases any open() stuck on it; then removes the layout. */
  cleanup(): void;
}

/**
 * Builds the fs attack layout in a fresh temp directory:
 * `base/{secret.txt, root-evil/secret.txt, outside-dir/secret.txt, root/…}` with `root/hello.txt`,
 * `root/sub/note.md`, the `PATH_TRAVERSAL_SYMLINKS` and the `PATH_TRAVERSAL_SPECIAL_FILES`.
 */
export async function createPathTraversalLayout(canary = 'TOP-SECRET-CANARY-0xF5'): Promise<PathTraversalLayout> {
  const base = mkdtempSync(join(tmpdir(), 'agentrt-fs-'));
  const root = join(base, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'hello.txt'), 'hello from inside\n');
  writeFileSync(join(root, 'sub', 'note.md'), 'a note about rate limits\n');
  writeFileSync(join(base, 'secret.txt'), canary);
  mkdirSync(join(base, 'root-evil'));
  writeFileSync(join(base, 'root-evil', 'secret.txt'), canary);
  mkdirSync(join(base, 'outside-dir'));
  writeFileSync(join(base, 'outside-dir', 'secret.txt'), canary);
  writeFileSync(join(base, 'hard-target.txt'), canary);
  const targets = { 'outside-dir': join(base, 'outside-dir'), 'outside-file': join(base, 'secret.txt'), 'parent-of-root': base, self: '' };
  for (const { link, target } of PATH_TRAVERSAL_SYMLINKS) {
    const at = join(root, link);
    symlinkSync(target === 'self' ? at : targets[target], at);
  }
  const special: { path: string; kind: (typeof PATH_TRAVERSAL_SPECIAL_FILES)[number]['kind'] }[] = [];
  for (const entry of PATH_TRAVERSAL_SPECIAL_FILES) {
    const at = join(root, entry.path);
    try {
      if (entry.kind === 'fifo') execFileSync('mkfifo', [at]);
      else if (entry.kind === 'device') execFileSync('mknod', [at, 'c', '1', '5'], { stdio: 'ignore' });
      else if (entry.kind === 'hardlink-outside') linkSync(join(base, 'hard-target.txt'), at);
      else if (entry.kind === 'symlink-device') symlinkSync(entry.target ?? '/dev/zero', at);
      else if (entry.kind === 'symlink-proc') symlinkSync(entry.target ?? '/proc/self/environ', at);
      else if (entry.kind === 'socket') await makeSocketFile(at);
      special.push(entry);
    } catch {
      // Not possible here (no privileges, no mkfifo): the entry is simply absent.
    }
  }
  const fifos = special.filter((s) => s.kind === 'fifo').map((s) => join(root, s.path));
  return {
    base,
    root,
    canary,
    special,
    snapshotOutside: () => JSON.stringify(listOutside(base)),
    cleanup: () => {
      for (const fifo of fifos) releaseFifo(fifo);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Opening a FIFO read-write never blocks on Linux and satisfies every opener waiting on it. */
export function releaseFifo(path: string): void {
  try {
    const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    setTimeout(() => closeSync(fd), 200).unref();
  } catch {
    // gone already
  }
}

function listOutside(base: string): Record<string, string> {
  const out: Record<string, string> = {};
  // Walked by hand, never into the root and never through a symlink (the root holds links to /proc/self/root).
  const walk = (relative: string) => {
    for (const name of readdirSync(join(base, relative)).sort()) {
      const rel = relative ? `${relative}${sep}${name}` : name;
      if (rel === 'root') continue;
      const at = join(base, rel);
      const stat = lstatSync(at);
      out[rel] = stat.isFile() ? readFileSync(at, 'utf8') : stat.isDirectory() ? '<dir>' : '<other>';
      if (stat.isDirectory()) walk(rel);
    }
  };
  walk('');
  return out;
}

async function makeSocketFile(at: string): Promise<void> {
  const temp = `${at}.${process.pid}.tmp`;
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(temp, () => resolve());
  });
  // Moved away before close, so closing the server does not unlink the socket file.
  renameSync(temp, at);
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
