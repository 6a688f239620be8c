import { constants, promises as fs, type Dirent, type Stats } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import { AgentrtError } from '@agentrt/core';

/** True when `child` is `root` or inside it — by path segments, never by string prefix (`/root-evil` is not in `/root`). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Open flags that refuse a symbolic link as the final component. */
export const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * `O_NONBLOCK` makes opening a FIFO return at once instead of waiting for a peer (which would
 * hold a libuv thread-pool thread forever: four such opens freeze all fs and DNS work of the
 * process). It changes nothing for regular files and directories.
 */
export const NONBLOCK = constants.O_NONBLOCK ?? 0;

/** What kind of non-regular file a stat describes (for messages). */
export function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

const notRegular = (display: string, stat: Stats) =>
  stat.isDirectory()
    ? new AgentrtError('path_invalid', `${display} is a directory, not a file`)
    : new AgentrtError('not_regular_file', `${display} is ${kindOf(stat)}; only regular files can be read or written`);

const hardLinked = (display: string, stat: Stats) =>
  new AgentrtError('path_outside_root', `${display} has ${stat.nlink} hard links; a hard link can make a file outside the root reachable inside it, so it is refused (the operator may set allowHardLinks)`);

/**
 * Refuses anything but a regular file with a single link (unless hard links are allowed).
 * Throws `not_regular_file` (FIFO, socket, device), `path_invalid` (directory) or
 * `path_outside_root` (more than one hard link).
 */
export function requireRegularFile(stat: Stats, display: string, allowHardLinks: boolean): void {
  if (!stat.isFile()) throw notRegular(display, stat);
  if (!allowHardLinks && stat.nlink > 1) throw hardLinked(display, stat);
}

let procFd: boolean | undefined;
/** Whether `/proc/self/fd` can be used for openat-style resolution and descriptor checks (Linux). */
export async function hasProcFd(): Promise<boolean> {
  if (procFd === undefined) procFd = await fs.access('/proc/self/fd').then(() => true, () => false);
  return procFd;
}

/** The path the kernel says an open descriptor refers to (`undefined` without `/proc`). */
export async function openedPath(handle: fs.FileHandle): Promise<string | undefined> {
  if (!(await hasProcFd())) return undefined;
  return fs.readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
}

/**
 * Opens a regular file inside the root for reading, never blocking and never escaping:
 * `lstat` refuses non-regular files and hard links before any open; the open uses
 * `O_NOFOLLOW | O_NONBLOCK` (a FIFO or symlink swapped in after the check cannot block or be
 * followed); then the descriptor itself is verified — a regular file, the same inode that was
 * checked, and (through `/proc/self/fd`) still inside the root, which catches a parent
 * directory swapped for a symlink between the check and the open.
 */
export async function openRegularForRead(root: string, real: string, display: string, options: { allowHardLinks: boolean }): Promise<{ handle: fs.FileHandle; stat: Stats }> {
  // A file replaced between the check and the open (`write_file` replaces atomically: a read
  // racing it sees the old inode, then the new) is checked and opened again; only one replaced
  // on every try is refused.
  for (let attempt = 1; ; attempt++) {
    const opened = await openCheckedOnce(root, real, display, options);
    if (opened !== REPLACED) return opened;
    if (attempt === 3) throw new AgentrtError('path_outside_root', `${display} was replaced while it was being opened`);
  }
}

const REPLACED = Symbol('replaced');

async function openCheckedOnce(root: string, real: string, display: string, options: { allowHardLinks: boolean }): Promise<{ handle: fs.FileHandle; stat: Stats } | typeof REPLACED> {
  const before = await fs.lstat(real).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') throw new AgentrtError('file_not_found', `${display} does not exist`);
    throw new AgentrtError('path_invalid', `${display} cannot be examined (${error.code})`);
  });
  if (before.isSymbolicLink()) throw new AgentrtError('path_outside_root', `${display} changed into a symbolic link while it was being opened`);
  requireRegularFile(before, display, options.allowHardLinks);
  const handle = await fs.open(real, constants.O_RDONLY | NOFOLLOW | NONBLOCK).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ELOOP') throw new AgentrtError('path_outside_root', `${display} changed into a symbolic link while it was being opened`);
    if (error.code === 'ENXIO') throw new AgentrtError('not_regular_file', `${display} is not a regular file`);
    if (error.code === 'ENOENT') throw new AgentrtError('file_not_found', `${display} does not exist`);
    throw new AgentrtError('path_invalid', `${display} cannot be opened (${error.code})`);
  });
  try {
    const stat = await handle.stat();
    requireRegularFile(stat, display, options.allowHardLinks);
    if (stat.ino !== before.ino || stat.dev !== before.dev) {
      await handle.close().catch(() => undefined);
      return REPLACED;
    }
    const opened = await openedPath(handle);
    if (opened !== undefined && !isInside(root, opened)) throw new AgentrtError('path_outside_root', `${display} changed to point outside the root while it was being opened`);
    return { handle, stat };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/** Reads up to `length` bytes from `position` (looping over short reads). */
export async function readAt(handle: fs.FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/**
 * Opens a directory inside the root without following a symbolic link at its last component
 * and verifies the descriptor is the directory expected (`real`, by the kernel's own account):
 * a parent swapped for a symlink between the check and the open makes it fail. Returns the
 * handle and a path through which the opened directory itself is listed (`/proc/self/fd/N`), so
 * a later swap of the path changes nothing. Throws `path_invalid` for a non-directory.
 */
export async function openDirectory(root: string, real: string, display: string): Promise<{ handle: fs.FileHandle; at: string }> {
  const handle = await fs.open(real, constants.O_RDONLY | constants.O_DIRECTORY | NOFOLLOW | NONBLOCK).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new AgentrtError('file_not_found', `${display} does not exist`);
    if (error.code === 'ELOOP') throw new AgentrtError('path_outside_root', `${display} changed into a symbolic link while it was being opened`);
    if (error.code === 'ENOTDIR') throw new AgentrtError('path_invalid', `${display} is not a directory`);
    throw new AgentrtError('path_invalid', `${display} cannot be opened (${error.code})`);
  });
  const opened = await openedPath(handle);
  if (opened !== undefined && opened !== real) {
    await handle.close().catch(() => undefined);
    throw new AgentrtError('path_outside_root', `${display} changed while it was being opened`);
  }
  return { handle, at: opened !== undefined ? `/proc/self/fd/${handle.fd}` : real };
}

/** One directory entry, its name read as bytes. */
export interface ListedEntry {
  readonly dirent: Dirent<Buffer>;
  /** The name as text when its bytes are valid UTF-8 (so the text names exactly this entry), else `undefined`. */
  readonly name: string | undefined;
  /** The name for display: the text, or with `\xNN` for each byte that is not UTF-8. */
  readonly shown: string;
}

/**
 * Lists an opened directory (through its descriptor when `/proc` exists), reading names as
 * bytes: a name that is not valid UTF-8 would be decoded with U+FFFD in place of its bad bytes,
 * a text that names another file (or none), so such entries carry no `name`.
 */
export async function listOpened(at: string): Promise<ListedEntry[]> {
  const dirents = await fs.readdir(at, { withFileTypes: true, encoding: 'buffer' });
  return dirents.map((dirent) => {
    const name = exactUtf8(dirent.name);
    return { dirent, name, shown: name ?? escapedName(dirent.name) };
  });
}

const FATAL_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // a leading U+FEFF is part of a name, not a mark to drop

/** The text of `bytes` when they are valid UTF-8 (the text encodes back to exactly these bytes), else `undefined`. */
export function exactUtf8(bytes: Buffer): string | undefined {
  try {
    return FATAL_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** `bytes` as text, each byte that is not part of a valid UTF-8 character written `\xNN` (a backslash is never accepted in a path, so this cannot name a file). */
export function escapedName(bytes: Buffer): string {
  let text = '';
  for (let index = 0; index < bytes.length;) {
    const lead = bytes[index]!;
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    const character = length > 0 && index + length <= bytes.length ? exactUtf8(bytes.subarray(index, index + length)) : undefined;
    if (character !== undefined) {
      text += character;
      index += length;
    } else {
      text += `\\x${lead.toString(16).toUpperCase().padStart(2, '0')}`;
      index++;
    }
  }
  return text;
}

/**
 * Opens `name` inside an opened directory (openat-style through `/proc/self/fd/N/name` when
 * available) for reading a regular file: no symlink is followed, a FIFO never blocks, and
 * anything but a regular file (with a single link unless allowed) is refused. Returns
 * `undefined` instead of throwing, for walkers that skip what they may not read.
 */
export async function openEntryForRead(root: string, dirAt: string, name: string, options: { allowHardLinks: boolean }): Promise<{ handle: fs.FileHandle; stat: Stats } | undefined> {
  const handle = await fs.open(`${dirAt}/${name}`, constants.O_RDONLY | NOFOLLOW | NONBLOCK).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || (!options.allowHardLinks && stat.nlink > 1)) throw new Error('skip');
    const opened = await openedPath(handle);
    if (opened !== undefined && !isInside(root, opened)) throw new Error('skip');
    return { handle, stat };
  } catch {
    await handle.close().catch(() => undefined);
    return undefined;
  }
}
