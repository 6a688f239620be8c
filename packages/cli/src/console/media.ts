import { createHash } from 'node:crypto';
import { AgentrtError, imageSize, loadStepRange, MAX_IMAGE_EDGE, plainFileName, PROVIDER_IMAGE_TYPES, sniffMediaType, type Message, type StateStore } from '@agentrt/core';

/**
 * Largest image the console and an HTML trace show inline, in decoded bytes (the size first-party
 * tools hand to a model, `maxMediaBytes`, is 5 MiB). Larger images are a download link.
 */
export const MAX_INLINE_IMAGE_BYTES = 8 * 1024 * 1024;
/** Most media bytes (decoded) one `agentrt trace --html` page embeds; parts past it are listed, not embedded. */
export const MAX_TRACE_MEDIA_BYTES = 32 * 1024 * 1024;
/** Bytes of decoded media the console keeps in memory between requests (content-addressed, least recently used goes first). */
const CACHE_BYTES = 64 * 1024 * 1024;

/** Where a media part sits in a run: its initial transcript, or a committed step. */
export type MediaSource = 'input' | number;

/** A media part of a run's stored history, decoded. */
export interface StoredMedia {
  readonly type: 'image' | 'file';
  readonly mediaType: string;
  readonly filename?: string;
  readonly bytes: Buffer;
  /** What the bytes are (`sniffMediaType`): the only type the console ever serves them as. */
  readonly sniffed?: string;
}

/** Why an image is not shown inline, or undefined when it is: a raster image the browser may decode. */
export function notInline(media: StoredMedia): string | undefined {
  if (media.type !== 'image') return 'not an image part';
  if (media.sniffed === undefined || !PROVIDER_IMAGE_TYPES.includes(media.sniffed)) return 'its bytes are not a PNG, JPEG, GIF or WebP image';
  if (media.bytes.byteLength > MAX_INLINE_IMAGE_BYTES) return `larger than ${MAX_INLINE_IMAGE_BYTES / 1_048_576} MiB`;
  const size = imageSize(media.bytes.subarray(0, 64 * 1024));
  if (size && (size.width > MAX_IMAGE_EDGE || size.height > MAX_IMAGE_EDGE)) return `over ${MAX_IMAGE_EDGE} px per side`;
  return undefined;
}

// A plain character class: a repeated group (`(?:[…]{4})*`) overflows the regex stack on megabytes.
const STRICT_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The decoded bytes of strict, padded base64, or undefined (the store may hold anything). */
function decodeBase64(data: unknown): Buffer | undefined {
  if (typeof data !== 'string' || data.length % 4 !== 0 || !STRICT_BASE64.test(data)) return undefined;
  return Buffer.from(data, 'base64');
}

const isCorrupt = (error: unknown) => AgentrtError.isInstance(error) && error.code === 'state_corrupt';

const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Every decodable image or file part of some messages, with the sha256 of its bytes. */
function collect(messages: readonly Message[], found: (sha256: string, media: StoredMedia) => void): void {
  const seen = new Set<string>();
  for (const message of messages) {
    const content = (message as { content?: unknown }).content;
    if (!Array.isArray(content)) continue;
    for (const part of content as unknown[]) {
      if (!part || typeof part !== 'object') continue;
      const { type, mediaType, data, filename } = part as Record<string, unknown>;
      if ((type !== 'image' && type !== 'file') || typeof mediaType !== 'string') continue;
      const bytes = decodeBase64(data);
      if (!bytes) continue;
      const sha = sha256Hex(bytes);
      if (seen.has(sha)) continue;
      seen.add(sha);
      const sniffed = sniffMediaType(bytes);
      found(sha, { type, mediaType, bytes, ...(typeof filename === 'string' ? { filename } : {}), ...(sniffed ? { sniffed } : {}) });
    }
  }
}

/**
 * Steps one media read takes from the step asked for (`loadSteps` `limit`): the part's own step
 * and the next ones, whose media a page scrolling through the run asks for next (kept in the
 * bounded cache) — never the rest of a long run.
 */
export const MEDIA_READ_STEPS = 16;

/**
 * Finds the bytes of media parts in a run's stored history by their sha256 (the digest events
 * record), reading as little as the store allows: the run record for the input, else at most
 * `MEDIA_READ_STEPS` steps from the given index (their media are kept in a bounded cache for the
 * requests that follow). Concurrent misses of one run share one read, so a page lazily loading
 * many images does not read the history once per image.
 */
export class MediaLookup {
  private readonly cache = new Map<string, StoredMedia>();
  private cached = 0;
  private readonly reads = new Map<string, Promise<unknown>>();

  constructor(private readonly store: StateStore) {}

  async find(runId: string, sha256: string, source: MediaSource): Promise<StoredMedia | undefined> {
    const key = `${runId}\u0000${sha256}`;
    const hit = this.take(key);
    if (hit) return hit;
    // One read of a run's history at a time: the requests a page makes at once wait for the read
    // before them, which usually brought their part into the cache too.
    const before = this.reads.get(runId) ?? Promise.resolve();
    const read = before.then(() => (this.cache.has(key) ? undefined : this.read(runId, sha256, source)));
    const settled = read.catch(() => undefined);
    this.reads.set(runId, settled);
    void settled.then(() => { if (this.reads.get(runId) === settled) this.reads.delete(runId); });
    return (await read) ?? this.take(key);
  }

  private async read(runId: string, sha256: string, source: MediaSource): Promise<StoredMedia | undefined> {
    const messages: Message[] = [];
    // What could not be read (a damaged run, `state_corrupt`): said when the part is not found.
    let damaged: string | undefined;
    if (source === 'input') {
      try {
        messages.push(...((await this.store.getRun(runId))?.input ?? []));
      } catch (error) {
        if (!isCorrupt(error)) throw error;
        // The listed record: its lost parts are marked (no data), the others are whole.
        const listed = await this.store.listRuns().then((runs) => runs.find((run) => run.runId === runId), () => undefined);
        messages.push(...(listed?.input ?? []));
        damaged = listed ? (listed.mediaMissing?.includes(sha256) ? 'the store lost the bytes of this part' : undefined) : `the run's record cannot be read (${(error as Error).message})`;
      }
    } else {
      try {
        // Cut to the window here too: a third-party store may predate `limit` and ignore it.
        for (const step of await loadStepRange(this.store, runId, { fromIndex: source, limit: MEDIA_READ_STEPS })) messages.push(...step.messages);
      } catch (error) {
        if (!isCorrupt(error)) throw error;
        // A step of the window is damaged: read the window step by step, keeping the ones that read.
        const unread: number[] = [];
        for (let index = source; index < source + MEDIA_READ_STEPS; index++) {
          try {
            const [step] = await loadStepRange(this.store, runId, { fromIndex: index, limit: 1 });
            if (!step) break;
            messages.push(...step.messages);
          } catch (stepError) {
            if (!isCorrupt(stepError)) throw stepError;
            unread.push(index);
          }
        }
        damaged = `step ${unread.join(', ') || source} of this run cannot be read whole (${(error as Error).message})`;
      }
    }
    let budget = CACHE_BYTES;
    let wanted: StoredMedia | undefined;
    collect(messages, (sha, media) => {
      if (sha === sha256) wanted = media;
      if (media.bytes.byteLength > budget) return;
      budget -= media.bytes.byteLength;
      this.put(`${runId}\u0000${sha}`, media);
    });
    if (!wanted && damaged !== undefined) throw new AgentrtError('media_missing', `that part cannot be read: ${damaged}`);
    return wanted;
  }

  private take(key: string): StoredMedia | undefined {
    const media = this.cache.get(key);
    if (media) {
      this.cache.delete(key);
      this.cache.set(key, media);
    }
    return media;
  }

  private put(key: string, media: StoredMedia): void {
    // Over the whole budget on its own: not kept (a request for it reads it again).
    if (media.bytes.byteLength > CACHE_BYTES || this.cache.has(key)) return;
    this.cache.set(key, media);
    this.cached += media.bytes.byteLength;
    for (const [oldKey, old] of this.cache) {
      if (this.cached <= CACHE_BYTES) break;
      this.cache.delete(oldKey);
      this.cached -= old.bytes.byteLength;
    }
  }
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp', 'application/pdf': 'pdf',
};

/**
 * The name a download is saved under: the part's filename made plain (no path, control, bidi or
 * invisible characters, at most 100 characters, extension kept), else `image-<sha8>.png`-style.
 */
export function downloadName(media: Pick<StoredMedia, 'type' | 'filename' | 'sniffed'>, sha256: string): string {
  let name = media.filename !== undefined ? plainFileName(media.filename) : undefined;
  if (name !== undefined && name.length > 100) {
    const dot = name.lastIndexOf('.');
    const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
    name = Array.from(name.slice(0, dot > 0 && extension ? dot : undefined)).slice(0, 100 - extension.length).join('') + extension;
  }
  return name ?? `${media.type}-${sha256.slice(0, 8)}.${EXTENSIONS[media.sniffed ?? ''] ?? 'bin'}`;
}

/** A `Content-Disposition: attachment` header naming `name` (ASCII fallback plus RFC 5987 UTF-8). */
export function attachmentHeader(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%;]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** What an HTML trace embeds for one media part: the image to show and/or the bytes to download. */
export interface EmbeddedMedia {
  /** `data:image/<raster>;base64,…` of an image shown inline (also its download). */
  readonly image?: string;
  /** `data:application/octet-stream;base64,…` of any other part. */
  readonly download?: string;
  /** The name a download is saved under (`downloadName`). */
  readonly name: string;
}

/**
 * The media of a run's stored history for `agentrt trace --html`, keyed by sha256, in history
 * order, up to `MAX_TRACE_MEDIA_BYTES` decoded bytes in all (a part that does not fit is left out:
 * the page lists it without bytes). Each part is embedded once however often it appears.
 */
export async function embedRunMedia(store: StateStore, runId: string, options: { maxBytes?: number; name?: (name: string) => string } = {}): Promise<Record<string, EmbeddedMedia>> {
  let budget = options.maxBytes ?? MAX_TRACE_MEDIA_BYTES;
  // A damaged run (`state_corrupt`): its listed record's input (lost parts carry no bytes) and the
  // steps that read, one at a time — a part that cannot be read is listed without bytes.
  const messages: Message[] = [];
  try {
    messages.push(...((await store.getRun(runId))?.input ?? []));
  } catch (error) {
    if (!isCorrupt(error)) throw error;
    messages.push(...((await store.listRuns().catch(() => [])).find((run) => run.runId === runId)?.input ?? []));
  }
  try {
    for (const step of await store.loadSteps(runId)) messages.push(...step.messages);
  } catch (error) {
    if (!isCorrupt(error)) throw error;
    for (let index = 0; ; index++) {
      try {
        const [step] = await loadStepRange(store, runId, { fromIndex: index, limit: 1 });
        if (!step) break;
        messages.push(...step.messages);
      } catch (stepError) {
        if (!isCorrupt(stepError)) throw stepError;
      }
    }
  }
  const media: Record<string, EmbeddedMedia> = Object.create(null) as Record<string, EmbeddedMedia>;
  collect(messages, (sha, part) => {
    if (part.bytes.byteLength > budget) return;
    budget -= part.bytes.byteLength;
    const name = (options.name ?? ((text: string) => text))(downloadName(part, sha));
    const base64 = part.bytes.toString('base64');
    media[sha] = notInline(part) === undefined ? { image: `data:${part.sniffed!};base64,${base64}`, name } : { download: `data:application/octet-stream;base64,${base64}`, name };
  });
  return { ...media };
}
