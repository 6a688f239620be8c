import { randomBytes } from 'node:crypto';
import { constants, promises as fs, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AgentrtError, ConfigError } from '@agentrt/core';
import { escapedName, exactUtf8, hasProcFd, isInside, NOFOLLOW, NONBLOCK, requireRegularFile } from './safe-open.js';

export { isInside, NOFOLLOW };

/** A path inside the root, resolved to real paths. */
export interface ResolvedPath {
  /** Real path of the target, or of `realParent/name` when it does not exist yet. */
  readonly real: string;
  readonly exists: boolean;
  /** Path relative to the root, for display. */
  readonly display: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const outside = (input: string, why: string) => new AgentrtError('path_outside_root', `"${input.slice(0, 200)}" is outside the allowed root (${why})`);
const invalid = (input: string, why: string) => new AgentrtError('path_invalid', `"${input.slice(0, 200)}" is not an acceptable path (${why})`);

/** Canonical root: must exist and be a directory. */
export function canonicalRoot(root: unknown): string {
  if (typeof root !== 'string' || root.trim() === '') throw new ConfigError('root', 'the filesystem pack needs a root directory; there is no allow-everything default');
  let real: string | undefined;
  try {
    const bytes = realpathSync.native(root, { encoding: 'buffer' }); // the JS realpathSync works on (lossy) text
    real = exactUtf8(bytes);
    // Every path is built from this text: a lossy one (U+FFFD for bytes that are not UTF-8) would name another directory.
    if (real === undefined) throw new ConfigError('root', `root ${JSON.stringify(root)} resolves to ${JSON.stringify(escapedName(bytes))}, which is not valid UTF-8; no path text can name it exactly`);
  } catch (error) {
    if (ConfigError.isInstance(error)) throw error;
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
  // A lone surrogate has no UTF-8 form: the name on disk would be U+FFFD, so two different inputs would name one file.
  if (LONE_SURROGATE.test(input)) throw invalid(input, 'contains a lone UTF-16 surrogate, which no file name can hold');
  // Listings show a name that is not valid UTF-8 with `\xNN` escapes: no text names such a file exactly, so it cannot be opened.
  if (/\\x[0-9A-F]{2}/.test(input)) throw invalid(input, `a name shown with \\xNN escapes is not valid UTF-8 on disk; no path text can name it exactly, so it cannot be read or written`);
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
    real = exactReal(input, await fs.realpath(lexical, { encoding: 'buffer' }));
  } catch (error) {
    if (AgentrtError.isInstance(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw invalid(input, 'symbolic link loop');
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw invalid(input, code ?? 'unresolvable');
    exists = false;
    // A new file: the nearest existing ancestor's real path decides (a symlinked parent dir cannot smuggle it out).
    let ancestor = dirname(lexical);
    const rest = [basename(lexical)];
    for (;;) {
      try {
        const realAncestor = exactReal(input, await fs.realpath(ancestor, { encoding: 'buffer' }));
        real = join(realAncestor, ...rest);
        break;
      } catch (inner) {
        if (AgentrtError.isInstance(inner)) throw inner;
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

/**
 * A real path as text, refusing one that is not valid UTF-8 (reached through a symbolic link to
 * such a name): its lossy text, with U+FFFD for the bad bytes, would name another file, or none.
 */
function exactReal(input: string, bytes: Buffer): string {
  const text = exactUtf8(bytes);
  if (text === undefined) throw invalid(input, `it resolves to ${JSON.stringify(escapedName(bytes).slice(-200))}, a name that is not valid UTF-8; no path text can name it exactly`);
  return text;
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
  const parent = await openParent(root, input);
  if (!parent.dir) {
    // No /proc: fall back to real-path checks around a no-follow open (a narrower race remains; documented).
    await refuseExistingSpecial(parent.at, parent.display, allowHardLinks);
    const handle = await fs.open(parent.at, constants.O_WRONLY | constants.O_CREAT | NOFOLLOW | NONBLOCK, 0o644).catch(refuseOpen(input, parent.display));
    await verifyOpened(root, handle!, input);
    return { handle: handle!, display: parent.display };
  }
  try {
    // Refuse FIFOs, sockets, devices and hard links before opening; O_NONBLOCK covers a FIFO swapped in after this check.
    await refuseExistingSpecial(parent.at, parent.display, allowHardLinks);
    const handle = await fs.open(parent.at, constants.O_WRONLY | constants.O_CREAT | NOFOLLOW | NONBLOCK, 0o644).catch(refuseOpen(input, parent.display));
    return { handle: handle!, display: parent.display };
  } finally {
    await parent.dir.close().catch(() => undefined);
  }
}

/**
 * Writes `content` as the whole new content of a file inside `root`, replacing it atomically:
 * the content goes to a new temporary file in the same directory (created `O_EXCL`, never
 * following a symlink), which is then renamed over the target — so a reader, or another write
 * racing this one, sees the old or the new content, never a mix or an empty file. The
 * directory is reached openat-style exactly as in `openForWrite` (no symlink followed at any
 * level); the rename replaces the name itself, so whatever is swapped in at the last moment (a
 * symlink, a FIFO) is replaced, never followed. An existing file keeps its permission bits.
 * Exception: a file with more than one hard link (only with `allowHardLinks`) is overwritten in
 * place, so that all its names see the change — that write is not atomic.
 * Throws like `openForWrite` (`path_outside_root`, `path_invalid`, `not_regular_file`).
 */
export async function writeReplacing(root: string, input: string, content: string, options: { allowHardLinks?: boolean } = {}): Promise<{ display: string }> {
  const allowHardLinks = options.allowHardLinks ?? false;
  const parent = await openParent(root, input);
  try {
    const existing = await refuseExistingSpecial(parent.at, parent.display, allowHardLinks);
    if (existing && existing.nlink > 1) {
      const handle = await fs.open(parent.at, constants.O_WRONLY | NOFOLLOW | NONBLOCK).catch(refuseOpen(input, parent.display));
      try {
        const stat = await handle!.stat();
        requireRegularFile(stat, parent.display, allowHardLinks);
        if (stat.ino !== existing.ino || stat.dev !== existing.dev) throw new AgentrtError('path_outside_root', `${parent.display} was replaced while it was being opened`);
        if (!parent.dir) await verifyOpened(root, handle!, input);
        await handle!.truncate(0);
        await handle!.write(content, 0, 'utf8');
      } finally {
        await handle!.close().catch(() => undefined);
      }
      return { display: parent.display };
    }
    const temporary = `${parent.dirAt}/.agentrt-write-${randomBytes(8).toString('hex')}.tmp`;
    const mode = existing ? existing.mode & 0o777 : 0o644;
    const handle = await fs.open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, mode).catch(refuseOpen(input, parent.display));
    try {
      try {
        if (!parent.dir) await verifyOpened(root, handle!, input);
        await handle!.write(content, 0, 'utf8');
        if (existing) await handle!.chmod(mode); // the umask must not narrow an existing file's permissions
      } finally {
        await handle!.close().catch(() => undefined);
      }
      await fs.rename(temporary, parent.at).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EISDIR' || error.code === 'ENOTEMPTY' || error.code === 'EEXIST') throw new AgentrtError('path_invalid', `${parent.display} is a directory, not a file`);
        throw invalid(input, error.code ?? 'cannot replace');
      });
    } catch (error) {
      await fs.unlink(temporary).catch(() => undefined);
      throw error;
    }
    return { display: parent.display };
  } finally {
    await parent.dir?.close().catch(() => undefined);
  }
}

/**
 * The directory a written file goes into, reached openat-style: from a descriptor of the root,
 * one component at a time through `/proc/self/fd/<dir>/<name>`, creating missing directories and
 * opening each `O_DIRECTORY | O_NOFOLLOW` — a symlink at any level (or one swapped in mid-way)
 * makes it fail, and nothing is created outside the root. Returns the open directory (`dir`,
 * the caller closes it), the path of the directory through it (`dirAt`) and of the target
 * (`at`). Without `/proc` it falls back to real-path checks (`dir` undefined).
 */
async function openParent(root: string, input: string): Promise<{ dir: fs.FileHandle | undefined; dirAt: string; at: string; display: string }> {
  const lexical = resolve(root, input);
  if (!isInside(root, lexical)) throw outside(input, 'it climbs above the root');
  const parts = relative(root, lexical).split(sep).filter(Boolean);
  if (parts.length === 0) throw invalid(input, 'the root itself is not a file');
  if (!(await hasProcFd())) {
    const target = await resolveInside(root, input);
    await fs.mkdir(dirname(target.real), { recursive: true });
    return { dir: undefined, dirAt: dirname(target.real), at: target.real, display: target.display };
  }
  const noFollowDir = constants.O_RDONLY | constants.O_DIRECTORY | NOFOLLOW;
  let dir = await fs.open(root, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    for (const [index, part] of parts.slice(0, -1).entries()) {
      const at = `/proc/self/fd/${dir.fd}/${part}`;
      // ENOTDIR means a symlink (O_NOFOLLOW) or a file where a directory is needed: lstat tells which.
      const refuse = async (error: NodeJS.ErrnoException): Promise<never> => {
        if (error.code === 'ELOOP' || error.code === 'ENOTDIR') {
          const stat = await fs.lstat(at).catch(() => undefined);
          if (stat && !stat.isSymbolicLink() && !stat.isDirectory()) throw new AgentrtError('path_invalid', `"${parts.slice(0, index + 1).join('/')}" is a file, not a directory, so "${input.slice(0, 200)}" cannot be created`);
          throw outside(input, 'a path component is a symbolic link or not a directory');
        }
        throw invalid(input, error.code ?? 'cannot open');
      };
      await fs.mkdir(at).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') await refuse(error);
      });
      const next = await fs.open(at, noFollowDir).catch(refuse);
      await dir.close();
      dir = next;
    }
  } catch (error) {
    await dir.close().catch(() => undefined);
    throw error;
  }
  return { dir, dirAt: `/proc/self/fd/${dir.fd}`, at: `/proc/self/fd/${dir.fd}/${parts.at(-1)}`, display: parts.join('/') };
}

/** Before opening an existing target for writing: only a regular file with one link (unless allowed) may be replaced. */
async function refuseExistingSpecial(at: string, display: string, allowHardLinks: boolean): Promise<Stats | undefined> {
  const stat = await fs.lstat(at).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new AgentrtError('path_invalid', `${display} cannot be examined (${error.code})`);
  });
  if (!stat) return undefined;
  if (stat.isSymbolicLink()) throw new AgentrtError('path_outside_root', `"${display}" is a symbolic link; writes never follow symbolic links`);
  requireRegularFile(stat, display, allowHardLinks);
  return stat;
}

function refuseOpen(input: string, display: string) {
  return (error: NodeJS.ErrnoException): never => {
    if (error.code === 'ELOOP' || error.code === 'ENOTDIR') throw outside(input, 'a path component is a symbolic link or not a directory');
    if (error.code === 'ENXIO' || error.code === 'EOPNOTSUPP') throw new AgentrtError('not_regular_file', `${display} is not a regular file`);
    if (error.code === 'EISDIR') throw new AgentrtError('path_invalid', `${display} is a directory, not a file`);
    throw invalid(input, error.code ?? 'cannot open');
  };
}
