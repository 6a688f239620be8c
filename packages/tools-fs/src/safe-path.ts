import { constants, promises as fs, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AgentrtError, ConfigError } from '@agentrt/core';
import { hasProcFd, isInside, NOFOLLOW, NONBLOCK, requireRegularFile } from './safe-open.js';

export { isInside, NOFOLLOW };

/** A path inside the root, resolved to real paths. */
export interface ResolvedPath {
  /** Real path of the target, or of `realParent/name` when it does not exist yet. */
  readonly real: string;
  readonly exists: boolean;
  /** Path relative to the root, for display. */
  readonly display: string;
}

const outside = (input: string, why: string) => new AgentrtError('path_outside_root', `"${input.slice(0, 200)}" is outside the allowed root (${why})`);
const invalid = (input: string, why: string) => new AgentrtError('path_invalid', `"${input.slice(0, 200)}" is not an acceptable path (${why})`);

/** Canonical root: must exist and be a directory. */
export function canonicalRoot(root: unknown): string {
  if (typeof root !== 'string' || root.trim() === '') throw new ConfigError('root', 'the filesystem pack needs a root directory; there is no allow-everything default');
  let real: string;
  try {
    real = realpathSync(root);
  } catch (error) {
    throw new ConfigError('root', `root ${JSON.stringify(root)} does not exist`, { cause: error });
  }
  if (!statSync(real).isDirectory()) throw new ConfigError('root', `root ${JSON.stringify(root)} is not a directory`);
  return real;
}

/**
 * Resolves a model-supplied relative path inside `root`: refuses NUL, backslashes,
 * percent-encoding, `~`, URL schemes and absolute paths; checks the lexical path with
 * `path.relative`; then resolves the real path of the target (or of its nearest existing
 * ancestor, for a file to be created) and checks that too — so `..`, prefix siblings,
 * symlinks and new files under symlinked directories cannot escape.
 */
export async function resolveInside(root: string, input: string, options: { maxLength?: number } = {}): Promise<ResolvedPath> {
  if (typeof input !== 'string' || input === '') throw invalid(String(input), 'empty');
  if (input.length > (options.maxLength ?? 1_024)) throw invalid(input, 'longer than 1024 characters');
  if (input.includes('\u0000')) throw invalid(input, 'contains a NUL byte');
  if (input.includes('\\')) throw outside(input, 'backslashes are not path separators here');
  if (/%[0-9a-fA-F]{2}/.test(input)) throw outside(input, 'percent-encoded characters are not decoded; send the plain path');
  if (input.startsWith('~')) throw outside(input, 'home-directory shorthand is not expanded');
  // Drive letters and URLs (`C:`, `file:`, `scheme://`) are refused; a colon later in a name (`notes:2024.txt`) is an ordinary character.
  if (/^[A-Za-z]:/.test(input) || /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(input) || /^(file|data|javascript|blob|about):/i.test(input)) throw outside(input, 'URLs and drive letters are not paths inside the root');
  if (isAbsolute(input)) throw outside(input, 'absolute paths are not allowed; use a path relative to the root');
  const lexical = resolve(root, input);
  if (!isInside(root, lexical)) throw outside(input, 'it climbs above the root');
  let real: string;
  let exists = true;
  try {
    real = await fs.realpath(lexical);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw invalid(input, 'symbolic link loop');
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw invalid(input, code ?? 'unresolvable');
    exists = false;
    // A new file: the nearest existing ancestor's real path decides (a symlinked parent dir cannot smuggle it out).
    let ancestor = dirname(lexical);
    const rest = [basename(lexical)];
    for (;;) {
      try {
        const realAncestor = await fs.realpath(ancestor);
        real = join(realAncestor, ...rest);
        break;
      } catch (inner) {
        const innerCode = (inner as NodeJS.ErrnoException).code;
        if (innerCode === 'ELOOP') throw invalid(input, 'symbolic link loop');
        if (innerCode !== 'ENOENT' && innerCode !== 'ENOTDIR') throw invalid(input, innerCode ?? 'unresolvable');
        rest.unshift(basename(ancestor));
        ancestor = dirname(ancestor);
      }
    }
  }
  if (!isInside(root, real)) throw outside(input, 'it resolves through a symbolic link to outside the root');
  return { real, exists, display: relative(root, real) || '.' };
}

/** After opening: the descriptor's real path must still be inside the root (closes the check-then-open race). */
export async function verifyOpened(root: string, handle: fs.FileHandle, input: string): Promise<void> {
  let opened: string | undefined;
  try {
    opened = await fs.readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    opened = undefined; // no /proc (not Linux): the O_NOFOLLOW open and the pre-check still apply
  }
  if (opened !== undefined && !isInside(root, opened)) {
    await handle.close();
    throw outside(input, 'the path changed to point outside the root while it was being opened');
  }
}

/**
 * Opens a file for writing inside `root` without ever following a symbolic link, at any
 * level: from a descriptor of the root it walks one component at a time through
 * `/proc/self/fd/<dir>/<name>` (the kernel resolves the descriptor, not the original path —
 * `openat` semantics), creating missing directories and opening each one `O_DIRECTORY |
 * O_NOFOLLOW`. A directory swapped for a symlink mid-way makes the open fail; nothing is ever
 * created outside the root. Writes therefore never traverse symlinks, even ones inside the root.
 */
export async function openForWrite(root: string, input: string, options: { allowHardLinks?: boolean } = {}): Promise<{ handle: fs.FileHandle; display: string }> {
  const allowHardLinks = options.allowHardLinks ?? false;
  const lexical = resolve(root, input);
  if (!isInside(root, lexical)) throw outside(input, 'it climbs above the root');
  const parts = relative(root, lexical).split(sep).filter(Boolean);
  if (parts.length === 0) throw invalid(input, 'the root itself is not a file');
  if (!(await hasProcFd())) {
    // No /proc: fall back to real-path checks around a no-follow open (a narrower race remains; documented).
    const target = await resolveInside(root, input);
    await fs.mkdir(dirname(target.real), { recursive: true });
    await refuseExistingSpecial(target.real, target.display, allowHardLinks);
    const handle = await fs.open(target.real, constants.O_WRONLY | constants.O_CREAT | NOFOLLOW | NONBLOCK, 0o644).catch(refuseOpen(input, target.display));
    await verifyOpened(root, handle!, input);
    return { handle: handle!, display: target.display };
  }
  const noFollowDir = constants.O_RDONLY | constants.O_DIRECTORY | NOFOLLOW;
  const refuse = (error: NodeJS.ErrnoException) => {
    if (error.code === 'ELOOP' || error.code === 'ENOTDIR') throw outside(input, 'a path component is a symbolic link or not a directory');
    throw invalid(input, error.code ?? 'cannot open');
  };
  let dir = await fs.open(root, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    for (const part of parts.slice(0, -1)) {
      const at = `/proc/self/fd/${dir.fd}/${part}`;
      await fs.mkdir(at).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') refuse(error);
      });
      const next = await fs.open(at, noFollowDir).catch(refuse);
      await dir.close();
      dir = next!;
    }
    const at = `/proc/self/fd/${dir.fd}/${parts.at(-1)}`;
    const display = parts.join('/');
    // Refuse FIFOs, sockets, devices and hard links before opening; O_NONBLOCK covers a FIFO swapped in after this check.
    await refuseExistingSpecial(at, display, allowHardLinks);
    const handle = await fs.open(at, constants.O_WRONLY | constants.O_CREAT | NOFOLLOW | NONBLOCK, 0o644).catch(refuseOpen(input, display));
    return { handle: handle!, display };
  } finally {
    await dir.close().catch(() => undefined);
  }
}

/** Before opening an existing target for writing: only a regular file with one link (unless allowed) may be replaced. */
async function refuseExistingSpecial(at: string, display: string, allowHardLinks: boolean): Promise<void> {
  const stat = await fs.lstat(at).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new AgentrtError('path_invalid', `${display} cannot be examined (${error.code})`);
  });
  if (!stat) return;
  if (stat.isSymbolicLink()) throw new AgentrtError('path_outside_root', `"${display}" is a symbolic link; writes never follow symbolic links`);
  requireRegularFile(stat, display, allowHardLinks);
}

function refuseOpen(input: string, display: string) {
  return (error: NodeJS.ErrnoException): never => {
    if (error.code === 'ELOOP' || error.code === 'ENOTDIR') throw outside(input, 'a path component is a symbolic link or not a directory');
    if (error.code === 'ENXIO' || error.code === 'EOPNOTSUPP') throw new AgentrtError('not_regular_file', `${display} is not a regular file`);
    if (error.code === 'EISDIR') throw new AgentrtError('path_invalid', `${display} is a directory, not a file`);
    throw invalid(input, error.code ?? 'cannot open');
  };
}
