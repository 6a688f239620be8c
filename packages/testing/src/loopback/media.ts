/** Shared checks of inline media, as the providers apply them. */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Standard, padded, canonical base64 (what Go's `encoding/json` and the providers' decoders accept). */
export function isBase64(value: unknown): value is string {
  return typeof value === 'string' && value.length % 4 === 0 && BASE64.test(value) && Buffer.from(value, 'base64').toString('base64') === value;
}

/** The media type a payload's leading bytes identify (images the providers take, PDF), or undefined. */
export function sniffMediaType(base64: string): string | undefined {
  const bytes = Buffer.from(base64.slice(0, 32), 'base64');
  const ascii = bytes.toString('latin1');
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (ascii.startsWith('GIF87a') || ascii.startsWith('GIF89a')) return 'image/gif';
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return 'image/webp';
  if (ascii.startsWith('BM')) return 'image/bmp';
  if (ascii.startsWith('%PDF-')) return 'application/pdf';
  return undefined;
}

/** A `data:<type>;base64,<data>` URL split up, or why it is not one. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | { problem: 'no-prefix' | 'not-base64' | 'empty' } {
  const match = /^data:([^;,]*);base64,(.*)$/s.exec(url);
  if (!match) return { problem: 'no-prefix' };
  const data = match[2]!;
  if (data === '') return { problem: 'empty' };
  if (!isBase64(data)) return { problem: 'not-base64' };
  return { mediaType: match[1]!.toLowerCase(), data };
}

/** An absolute http(s) URL. */
export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
