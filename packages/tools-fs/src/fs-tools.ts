import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { AgentrtError, classifyBytes, ConfigError, decodeWindows1252, DEFAULT_MAX_PART_BYTES, defineTool, MAX_IMAGE_EDGE, pdfProblem, plainFileName, PROVIDER_IMAGE_TYPES, sniffMediaType, type ContentPart, type Tool } from '@agentrt/core';
import { z } from 'zod';
import { listOpened, type ListedEntry, openDirectory, openEntryForRead, openRegularForRead, readAt } from './safe-open.js';
import { canonicalRoot, resolveInside, writeReplacing } from './safe-path.js';

/** Options of the filesystem pack. */
export interface FsToolOptions {
  /** The only directory the tools may touch (required). */
  readonly root: string;
  /** Register no writing tool. Default false. */
  readonly readOnly?: boolean;
  /** Largest read, bytes. Default 1 MiB. */
  readonly maxReadBytes?: number;
  /** Largest write, bytes. Default 1 MiB. */
  readonly maxWriteBytes?: number;
  /** Files a search may visit. Default 5 000. */
  readonly maxSearchFiles?: number;
  /** Entries `list_dir` returns; a longer listing is cut and says so (`truncated`, `total`, `omitted`). Default 1 000. */
  readonly maxListEntries?: number;
  /**
   * Read and overwrite files that have more than one hard link. Default false: a hard link
   * inside the root can point at a file outside it, and nothing in the file says which name is
   * "inside", so such files are refused (`path_outside_root`) and skipped by searches. Allow
   * only when no one who can create files in the root can also create hard links to files
   * outside it (e.g. the root is on its own filesystem).
   */
  readonly allowHardLinks?: boolean;
  /**
   * Largest result of one call, in characters of its JSON text. Default 32 000, below the
   * runtime's default `maxToolOutputChars` (32 768), which cuts longer output out of its middle:
   * a `read_file` is cut here instead (`truncated`, `nextOffset`), a listing or a search stops
   * early and says so. Raise it together with `maxToolOutputChars`.
   */
  readonly maxResultChars?: number;
  /**
   * Largest image or PDF `read_file` returns as a content part, in bytes. Default 5 MiB (core's
   * default `limits.maxPartBytes`; keep it at or below that limit). A larger one is described
   * (`binary: true, tooLarge: true`) without being read.
   */
  readonly maxMediaBytes?: number;
  /**
   * `parts` (default): `read_file` returns PNG, JPEG, GIF and WebP images and PDFs as content
   * parts. `text`: as a note of what they are (type, size) — for a model that takes no images or
   * files (else the run stops with `unsupported_content` before the next model call).
   */
  readonly media?: 'parts' | 'text';
}

export const fsOptionsSchema = z.strictObject({
  // Declared a path: the agentrt CLI resolves a relative root against the config file's folder.
  root: z.string().min(1).meta({ format: 'path' }),
  readOnly: z.boolean().optional(),
  maxReadBytes: z.number().int().min(1).max(64 * 2 ** 20).optional(),
  maxWriteBytes: z.number().int().min(1).max(64 * 2 ** 20).optional(),
  maxSearchFiles: z.number().int().min(1).max(1_000_000).optional(),
  maxListEntries: z.number().int().min(1).max(100_000).optional(),
  allowHardLinks: z.boolean().optional(),
  maxResultChars: z.number().int().min(1_000).max(64 * 2 ** 20).optional(),
  maxMediaBytes: z.number().int().min(1).max(64 * 2 ** 20).optional(),
  media: z.enum(['parts', 'text']).optional(),
});

/** Bytes of a file's head that decide whether it is text or binary (core's `looksBinary` reads 4 KiB). */
const BINARY_SNIFF_BYTES = 4 * 1024;
/** Bytes of an image's head read for its pixel size (JPEG sizes may follow large metadata). */
const IMAGE_SNIFF_BYTES = 64 * 1024;

const pathArg = z.string().min(1).max(1_024).describe('Path relative to the root, e.g. "notes/today.md"');

/** Files larger than this are matched by name only in a search (their text is not read). */
const MAX_SEARCHED_FILE_BYTES = 256 * 1024;

/** The first `max` UTF-16 units of a line, one fewer when that would split a surrogate pair (a lone half is no valid text). */
function cutLine(line: string, max: number): string {
  const code = line.charCodeAt(max - 1);
  return line.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** Characters of `value` as JSON text: what the runtime counts against `maxToolOutputChars`. */
const jsonLength = (value: unknown): number => JSON.stringify(value).length;

/**
 * The longest start of `bytes`, ending at a UTF-8 character, whose text is at most `budget`
 * characters as a JSON string (quotes, newlines and control bytes grow when escaped); at least
 * one character, so reads progress.
 */
function fitJsonText(bytes: Buffer, budget: number): Buffer {
  const size = (length: number) => jsonLength(bytes.subarray(0, length).toString('utf8'));
  if (size(bytes.length) <= budget) return bytes;
  // A JSON character stands for at most 3 bytes (a 4-byte character is 2 UTF-16 units).
  let low = 0;
  let high = Math.min(bytes.length, budget * 3);
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (size(middle) <= budget) low = middle;
    else high = middle - 1;
  }
  const cut = low > 0 ? utf8Boundary(bytes.subarray(0, low)) : 0;
  return bytes.subarray(0, Math.max(cut, Math.min(bytes.length, 4)));
}

/**
 * At most `max` UTF-16 units of `line` around its first case-insensitive match of `needle`
 * (already lower case), with `…` on each side where text was left out — a cut from the start of
 * a long line (minified JSON) would show a line without the match. No surrogate pair is split.
 */
function matchExcerpt(line: string, needle: string, max: number): string {
  if (line.length <= max) return line;
  const lower = line.toLowerCase();
  let at = lower.indexOf(needle);
  if (lower.length !== line.length) {
    // Lower-casing lengthened the text (İ → i̇): find where the match starts in the line itself.
    let low = 0;
    let high = line.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (line.slice(0, middle).toLowerCase().length < at) low = middle + 1;
      else high = middle;
    }
    at = low;
  }
  let from = Math.max(0, Math.min(at - 40, line.length - max));
  const code = line.charCodeAt(from);
  if (from > 0 && code >= 0xdc00 && code <= 0xdfff) from++;
  const excerpt = cutLine(line.slice(from), max);
  return `${from > 0 ? '…' : ''}${excerpt}${from + excerpt.length < line.length ? '…' : ''}`;
}

/**
 * Where to cut `bytes` so that no UTF-8 character is split: before a last character left
 * incomplete, else at the end. Bytes that are not UTF-8 at all are left as they are, and a cut
 * that would keep nothing (a character longer than the chunk) keeps the chunk, so reads progress.
 */
function utf8Boundary(bytes: Buffer): number {
  let start = bytes.length - 1;
  while (start > 0 && bytes.length - start < 4 && (bytes[start]! & 0xc0) === 0x80) start--;
  const lead = bytes[start]!;
  const needed = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xc2 && lead < 0xe0 ? 2 : 1;
  return start > 0 && start + needed > bytes.length ? start : bytes.length;
}

/**
 * Where the UTF-8 character holding byte `offset` starts: `offset` itself when it starts a
 * character (or the bytes there are not UTF-8), else the position of the lead byte before it
 * (at most 3 bytes back).
 */
async function characterStart(handle: FileHandle, offset: number): Promise<number> {
  const from = Math.max(0, offset - 3);
  const bytes = await readAt(handle, offset - from + 1, from);
  const at = offset - from;
  if (at >= bytes.length || (bytes[at]! & 0xc0) !== 0x80) return offset;
  for (let index = at - 1; index >= 0; index--) {
    const byte = bytes[index]!;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 && byte <= 0xf4 ? 4 : byte >= 0xe0 && byte < 0xf0 ? 3 : byte >= 0xc2 && byte < 0xe0 ? 2 : 1;
    return index + length > at ? from + index : offset;
  }
  return offset;
}

/** What a listing says about entries whose names are not valid UTF-8. */
const unreadableNote = (count: number) => `${count} ${count === 1 ? 'entry has a name' : 'entries have names'} that ${count === 1 ? 'is' : 'are'} not valid UTF-8 (shown with \\xNN escapes, flagged unreadableName): no path text names ${count === 1 ? 'it' : 'them'} exactly, so ${count === 1 ? 'it' : 'they'} cannot be read, written or searched`;
/** What a search says about entries it skipped because their names are not valid UTF-8. */
const skippedNote = (count: number) => `${count} ${count === 1 ? 'entry was' : 'entries were'} skipped because ${count === 1 ? 'its name is' : 'their names are'} not valid UTF-8 (no path text names ${count === 1 ? 'it' : 'them'} exactly; a directory among them was not searched)`;

/** What a search says about files whose bytes are not text. */
const binaryNote = (count: number) => `${count} binary ${count === 1 ? 'file was' : 'files were'} (images, PDFs, archives, bytes no text has) matched by name only: ${count === 1 ? 'its' : 'their'} bytes were not searched as text`;

/** Bytes no text has (core's `looksBinary` rule: NUL and C0 controls other than tab, LF, FF, CR, ESC), anywhere in a file. */
const BINARY_BYTES = /[\u0000-\u0008\u000b\u000e-\u001a\u001c-\u001f]/;

/**
 * A file's bytes as text to search, or undefined for a binary file: a recognized binary format
 * (image, PDF, archive…, by its first bytes) or a byte no text has anywhere (not only in the first
 * 4 KiB core's `looksBinary` reads: a text head on a binary body is binary). UTF-8 is decoded as
 * UTF-8; a UTF-16 file (byte order mark) as UTF-16.
 */
function searchableText(bytes: Buffer): string | undefined {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return checkedText(bytes.subarray(2).toString('utf16le'));
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)));
    return checkedText(swapped.swap16().toString('utf16le'));
  }
  if (classifyBytes(bytes.subarray(0, BINARY_SNIFF_BYTES)).kind !== 'text') return undefined;
  return checkedText(bytes.toString('utf8'));
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The text of a file that is not valid UTF-8 read as windows-1252 (Latin-1 and the characters it
 * adds, such as €): how such text files are written (older Windows and Western-European tools). Its
 * UTF-8 reading has U+FFFD where `é` was, so a query with accents never matched and excerpts
 * showed `caf�`. Undefined for valid UTF-8 or UTF-16 (BOM) files.
 */
function legacyText(bytes: Buffer, utf8: string): string | undefined {
  // Valid UTF-8 has no U+FFFD unless it wrote one: only then is the strict decoder asked.
  if (!utf8.includes('\uFFFD')) return undefined;
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) return undefined;
  try {
    strictUtf8.decode(bytes);
    return undefined;
  } catch {
    return checkedText(decodeWindows1252(bytes));
  }
}

const checkedText = (text: string): string | undefined => (BINARY_BYTES.test(text) ? undefined : text);

/** A path ending in `/` (or `/.`) names a directory: a file tool refuses it instead of dropping the slash. */
function refuseDirectorySyntax(path: string): void {
  if (/\/\.?$/.test(path)) throw new AgentrtError('path_invalid', `"${path.slice(0, 200)}" ends with "/", which names a directory; give the file's path without it`);
}

/** The filesystem tools: `read_file`, `list_dir`, `search_files`, and `write_file` unless read-only. Throws `config_invalid` without a root. */
export function createFsTools(options: FsToolOptions): Tool[] {
  const root = canonicalRoot(options?.root);
  const parsed = fsOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const keys = (issue as { keys?: string[] }).keys;
    throw new ConfigError([...issue.path.map(String), ...(keys ?? [])].join('.') || 'options', issue.message);
  }
  const maxRead = options.maxReadBytes ?? 2 ** 20;
  const maxWrite = options.maxWriteBytes ?? 2 ** 20;
  const maxFiles = options.maxSearchFiles ?? 5_000;
  const maxEntries = options.maxListEntries ?? 1_000;
  const allowHardLinks = options.allowHardLinks ?? false;
  const maxResultChars = options.maxResultChars ?? 32_000;
  const maxMediaBytes = options.maxMediaBytes ?? DEFAULT_MAX_PART_BYTES;
  const media = options.media ?? 'parts';

  /**
   * A file whose head is not text, as the model gets it: a PNG, JPEG, GIF or WebP image or a PDF
   * as a content part (after a text part with the file's facts), anything else as a note of what
   * it is — never its bytes as text. Undefined for text (read as before).
   */
  async function binaryResult(handle: FileHandle, display: string, size: number): Promise<ContentPart[] | Record<string, unknown> | undefined> {
    // 4 KiB tell text from binary; an image's size may sit further in (JPEG metadata first), so an image head is 64 KiB.
    let head = await readAt(handle, Math.min(size, BINARY_SNIFF_BYTES), 0);
    const sniffed = sniffMediaType(head);
    const note = (mediaType: string, extra: Record<string, unknown>, why: string) => ({ path: display, size, binary: true, mediaType, ...extra, note: `${mediaType}, ${size} bytes: ${why}` });
    if (head.length < size && PROVIDER_IMAGE_TYPES.includes(sniffed ?? '')) head = await readAt(handle, Math.min(size, IMAGE_SNIFF_BYTES), 0);
    if (sniffed === 'application/pdf' && head.length < size) {
      // Whether a PDF is complete shows at its end (%%EOF) and in its page tree: it is judged whole, so read whole — up to maxMediaBytes.
      if (size > maxMediaBytes) return note('application/pdf', { tooLarge: true }, `a PDF too large to return (maxMediaBytes: ${maxMediaBytes})`);
      head = await readAt(handle, size, 0);
    }
    const kind = classifyBytes(head);
    if (kind.kind === 'text') return undefined;
    if (kind.kind === 'binary') {
      if (kind.reason === 'pdf_incomplete') return note('application/pdf', {}, `not a complete PDF (${pdfProblem(head) ?? 'damaged'}), not shown`);
      if (kind.reason === 'image_dimensions') {
        const pixels = kind.width !== undefined ? { width: kind.width, height: kind.height } : {};
        return note(kind.mediaType!, pixels, `an image of ${kind.width !== undefined ? `${kind.width}×${kind.height} px` : 'a size that cannot be read'} is not shown (models take at most ${MAX_IMAGE_EDGE} px per side)`);
      }
      return note(kind.mediaType ?? 'application/octet-stream', {}, 'binary content, not shown');
    }
    const what = kind.kind === 'image' ? 'an image' : 'a PDF';
    const pixels = kind.kind === 'image' ? { width: kind.width, height: kind.height } : {};
    // Never read: the size decides (a 1 GB "image" costs one stat and a 64 KiB head).
    if (size > maxMediaBytes) return note(kind.mediaType, { ...pixels, tooLarge: true }, `${what} too large to return (maxMediaBytes: ${maxMediaBytes})`);
    if (media === 'text') return note(kind.mediaType, pixels, `${what}, not shown (media: 'text')`);
    // A PDF is sent as the bytes that were judged (read whole above), never a second read of a file that may have changed.
    const bytes = kind.kind === 'pdf' ? head : await readAt(handle, size, 0);
    const data = bytes.toString('base64');
    if (kind.kind === 'image') return [{ type: 'text', text: JSON.stringify({ path: display, size: bytes.length, mediaType: kind.mediaType, ...pixels }) }, { type: 'image', mediaType: kind.mediaType, data }];
    const filename = plainFileName(basename(display));
    return [
      { type: 'text', text: JSON.stringify({ path: display, size: bytes.length, mediaType: kind.mediaType, ...(filename !== undefined ? { filename } : {}) }) },
      { type: 'file', mediaType: kind.mediaType, data, ...(filename !== undefined ? { filename } : {}) },
    ];
  }

  const readFile = defineTool({
    name: 'read_file',
    description: `Reads a UTF-8 text file inside the allowed root. Large files: use offset and maxBytes.${media === 'parts' ? ' A PNG, JPEG, GIF or WebP image or a PDF is returned as an image or file;' : ''} other binary files are described (type, size), not shown.`,
    unsupportedContentHint: 'Images and PDFs read by @agentrt/tools-fs are content parts; for a model that takes none, set media: "text" in its options',
    input: z.object({ path: pathArg, offset: z.number().int().min(0).optional(), maxBytes: z.number().int().min(1).max(maxRead).optional() }),
    timeoutMs: 10_000,
    async execute({ path, offset: asked = 0, maxBytes = maxRead }, ctx) {
      ctx.signal.throwIfAborted();
      refuseDirectorySyntax(path);
      const target = await resolveInside(root, path);
      if (!target.exists) throw new AgentrtError('file_not_found', `${target.display} does not exist`);
      const { handle, stat } = await openRegularForRead(root, target.real, target.display, { allowHardLinks });
      try {
        // The file's head decides, whatever offset was asked: a binary file is one result (a part or a note), not pages of junk.
        const binary = await binaryResult(handle, target.display, stat.size);
        if (binary !== undefined) return binary;
        // An offset inside a UTF-8 character (a model's own offset + maxBytes) starts at that character, and the read still
        // ends where offset + maxBytes asked (at most 3 bytes more): no U+FFFD, and pages by offset + maxBytes join exactly.
        const offset = asked > 0 && asked < stat.size ? await characterStart(handle, asked) : asked;
        const length = Math.max(0, Math.min(maxBytes + (asked - offset), stat.size - offset));
        const read = await readAt(handle, length, offset);
        // A cut never splits a UTF-8 character: it ends before one left incomplete, so nextOffset starts at a character.
        const whole = offset + read.length >= stat.size ? read : read.subarray(0, utf8Boundary(read));
        // The result must reach the model whole (see maxResultChars): room for the content is what the rest of a cut result leaves.
        const overhead = jsonLength({ path: target.display, size: stat.size, offset, truncated: true, nextOffset: stat.size, truncation: `showing bytes ${offset}-${stat.size} of ${stat.size}; ${stat.size} more bytes not shown (read again with offset ${stat.size})`, content: '' });
        const content = fitJsonText(whole, Math.max(100, maxResultChars - overhead));
        const end = offset + content.length;
        if (end >= stat.size) return { path: target.display, size: stat.size, offset, truncated: false, content: content.toString('utf8') };
        // Cut: said in the result, with where to go on (a model must not take part of a file for all of it).
        return {
          path: target.display, size: stat.size, offset, truncated: true, nextOffset: end,
          truncation: `showing bytes ${offset}-${end} of ${stat.size}; ${stat.size - end} more bytes not shown (read again with offset ${end})`,
          content: content.toString('utf8'),
        };
      } finally {
        await handle.close().catch(() => undefined);
      }
    },
  });

  const listDir = defineTool({
    name: 'list_dir',
    description: `Lists a directory inside the allowed root ("." is the root). Symbolic links are reported, not followed. At most ${maxEntries} entries: a longer listing says truncated, with the total.`,
    input: z.object({ path: pathArg.default('.') }),
    timeoutMs: 10_000,
    async execute({ path }, ctx) {
      ctx.signal.throwIfAborted();
      const target = await resolveInside(root, path);
      if (!target.exists) throw new AgentrtError('file_not_found', `${target.display} does not exist`);
      const stat = await fs.lstat(target.real).catch(() => undefined);
      if (!stat?.isDirectory()) throw new AgentrtError('path_invalid', `${target.display} is not a directory`);
      const dir = await openDirectory(root, target.real, target.display);
      try {
        const entries = await listOpened(dir.at).catch((error: NodeJS.ErrnoException) => {
          throw new AgentrtError('path_invalid', `${target.display} cannot be listed (${error.code})`);
        });
        const shown: { name: string; type: string; unreadableName?: true }[] = [];
        // Up to maxListEntries, and as many as fit in maxResultChars with the rest of a cut result.
        let room = maxResultChars - jsonLength({ path: target.display, total: entries.length, truncated: true, omitted: entries.length, truncation: `showing ${entries.length} of ${entries.length} entries; ${entries.length} more entries not shown`, unreadableNames: entries.length, note: unreadableNote(entries.length), entries: [] });
        let unreadable = 0;
        for (const entry of entries.slice(0, maxEntries)) {
          const { dirent } = entry;
          const type = dirent.isSymbolicLink() ? 'symlink' : dirent.isDirectory() ? 'dir' : dirent.isFile() ? 'file' : 'other';
          // A name that is not valid UTF-8 is shown with \xNN escapes and flagged: its lossy text would name another file.
          const item = entry.name === undefined ? { name: entry.shown, type, unreadableName: true as const } : { name: entry.name, type };
          room -= jsonLength(item) + 1;
          if (room < 0) break;
          shown.push(item);
          if (entry.name === undefined) unreadable++;
        }
        const flagged = unreadable > 0 ? { unreadableNames: unreadable, note: unreadableNote(unreadable) } : {};
        if (shown.length === entries.length) return { path: target.display, total: entries.length, truncated: false, ...flagged, entries: shown };
        const omitted = entries.length - shown.length;
        return { path: target.display, total: entries.length, truncated: true, omitted, truncation: `showing ${shown.length} of ${entries.length} entries; ${omitted} more entries not shown`, ...flagged, entries: shown };
      } finally {
        await dir.handle.close().catch(() => undefined);
      }
    },
  });

  const searchFiles = defineTool({
    name: 'search_files',
    description: 'Finds files under a directory of the root whose name or text contains the query (case-insensitive). Does not follow symbolic links. Binary files (images, PDFs, archives) match by name only.',
    input: z.object({ query: z.string().min(1).max(200), path: pathArg.default('.'), maxResults: z.number().int().min(1).max(200).default(20) }),
    timeoutMs: 20_000,
    async execute({ query, path, maxResults }, ctx) {
      const start = await resolveInside(root, path);
      if (!start.exists) throw new AgentrtError('file_not_found', `${start.display} does not exist`);
      const startStat = await fs.lstat(start.real).catch(() => undefined);
      if (!startStat?.isDirectory()) throw new AgentrtError('path_invalid', `${start.display} is not a directory`);
      const needle = query.toLowerCase();
      const results: { path: string; match: 'name' | 'content'; line?: string }[] = [];
      // Directories are walked by descriptor: each is opened without following a symlink and
      // verified to be the directory expected, then listed and its files opened through that
      // descriptor (openat-style) — a directory swapped for a symlink mid-walk is skipped, and
      // FIFOs, sockets, devices and hard-linked files are never read.
      const queue: string[] = [start.real];
      let visited = 0;
      let skippedLarge = 0;
      let skippedBinary = 0;
      // Why the walk stopped early, if it did: set only when something was actually left out.
      let cutBy: 'maxResults' | 'maxSearchFiles' | 'maxResultChars' | undefined;
      // Room for results within maxResultChars, after the rest of a cut result (its longest truncation line).
      let skippedUnreadable = 0;
      let room = maxResultChars - jsonLength({ results: [], truncated: true, truncatedBy: 'maxResultChars', truncation: `stopped at ${maxResults} results: the result reached ${maxResultChars} characters (maxResultChars); more entries may match, narrow the search`, skippedLargeFiles: maxFiles, note: `${maxFiles} files over ${MAX_SEARCHED_FILE_BYTES} bytes were matched by name only (their text was not searched)`, skippedUnreadableNames: maxFiles, unreadableNamesNote: skippedNote(maxFiles), skippedBinaryFiles: maxFiles, binaryNote: binaryNote(maxFiles) });
      const found = (result: (typeof results)[number]) => {
        room -= jsonLength(result) + 1;
        if (room < 0) {
          cutBy = 'maxResultChars';
          return;
        }
        results.push(result);
        if (results.length > maxResults) {
          results.pop(); // one match past the cap proves there are more
          cutBy = 'maxResults';
        }
      };
      while (queue.length && !cutBy) {
        ctx.signal.throwIfAborted();
        const dirReal = queue.shift()!;
        const dir = await openDirectory(root, dirReal, dirReal).catch(() => undefined);
        if (!dir) continue;
        try {
          let entries: ListedEntry[];
          try {
            entries = await listOpened(dir.at);
          } catch {
            continue;
          }
          for (const entry of entries) {
            // Checked per entry, not per directory: a call aborted (timeout, kill, cancel) inside a large directory stops now.
            ctx.signal.throwIfAborted();
            if (cutBy) break;
            if (visited >= maxFiles) {
              cutBy = 'maxSearchFiles'; // an entry exists that was not examined
              break;
            }
            visited++;
            const { dirent, name } = entry;
            if (dirent.isSymbolicLink()) continue; // never followed
            if (name === undefined) {
              // Not valid UTF-8: its lossy text names another file (or none), and no result path could name it; a directory is not entered.
              skippedUnreadable++;
              continue;
            }
            const full = join(dirReal, name);
            const shown = relative(root, full);
            if (dirent.isDirectory()) queue.push(full);
            if (name.toLowerCase().includes(needle)) found({ path: shown, match: 'name' });
            else if (dirent.isFile()) {
              const opened = await openEntryForRead(root, dir.at, name, { allowHardLinks });
              if (!opened) continue;
              try {
                if (opened.stat.size > MAX_SEARCHED_FILE_BYTES) {
                  skippedLarge++;
                  continue;
                }
                // At most the size the stat gave (a file growing while read adds nothing), and binary bytes are never searched as text.
                const bytes = await readAt(opened.handle, opened.stat.size, 0);
                const text = searchableText(bytes);
                if (text === undefined) {
                  skippedBinary++;
                  continue;
                }
                const matching = (candidate: string) => candidate.split(/\r?\n/).find((l) => l.toLowerCase().includes(needle));
                // A file that is not UTF-8 is searched as windows-1252 first (its UTF-8 reading has U+FFFD for every accent), then as UTF-8 (one stray byte in UTF-8 text).
                const legacy = legacyText(bytes, text);
                const line = (legacy !== undefined ? matching(legacy) : undefined) ?? matching(text);
                if (line !== undefined) found({ path: shown, match: 'content', line: matchExcerpt(line, needle, 200) });
              } finally {
                await opened.handle.close().catch(() => undefined);
              }
            }
          }
        } finally {
          await dir.handle.close().catch(() => undefined);
        }
      }
      ctx.signal.throwIfAborted();
      const truncation = cutBy === 'maxResults'
        ? `stopped at ${maxResults} results (maxResults); more entries match`
        : cutBy === 'maxSearchFiles' ? `stopped after examining ${maxFiles} entries (maxSearchFiles); entries not examined may match`
          : cutBy === 'maxResultChars' ? `stopped at ${results.length} results: the result reached ${maxResultChars} characters (maxResultChars); more entries may match, narrow the search` : undefined;
      return {
        results,
        truncated: cutBy !== undefined,
        ...(cutBy ? { truncatedBy: cutBy, truncation } : {}),
        ...(skippedLarge > 0 ? { skippedLargeFiles: skippedLarge, note: `${skippedLarge} files over ${MAX_SEARCHED_FILE_BYTES} bytes were matched by name only (their text was not searched)` } : {}),
        ...(skippedBinary > 0 ? { skippedBinaryFiles: skippedBinary, binaryNote: binaryNote(skippedBinary) } : {}),
        ...(skippedUnreadable > 0 ? { skippedUnreadableNames: skippedUnreadable, unreadableNamesNote: skippedNote(skippedUnreadable) } : {}),
      };
    },
  });

  const writeFile = defineTool({
    name: 'write_file',
    description: 'Writes a UTF-8 text file inside the allowed root, creating parent directories. Replaces an existing file as a whole.',
    input: z.object({ path: pathArg, content: z.string().max(maxWrite) }),
    sideEffects: 'idempotent',
    timeoutMs: 10_000,
    async execute({ path, content }, ctx) {
      ctx.signal.throwIfAborted();
      if (Buffer.byteLength(content) > maxWrite) throw new AgentrtError('file_too_large', `content exceeds ${maxWrite} bytes`);
      refuseDirectorySyntax(path);
      await resolveInside(root, path); // input rules (NUL, schemes, %-encoding…) and a first real-path check
      // Replaced as a whole (a new file renamed over the old one): a concurrent read or write sees the old or the new content, never a mix.
      const { display } = await writeReplacing(root, path, content, { allowHardLinks });
      return { path: display, bytes: Buffer.byteLength(content) };
    },
  });

  return options.readOnly ? [readFile, listDir, searchFiles] : [readFile, listDir, searchFiles, writeFile];
}

