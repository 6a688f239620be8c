import { checkContent, classifyBytes, imageSize, looksBinary, plainFileName, sniffMediaType } from '@agentrt/core';
import { buildPdf, buildPng, MEDIA_SAMPLES } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';

const bytes = (base64: string) => Buffer.from(base64, 'base64');

describe('content sniffing (media15f)', () => {
  it('names PNG, JPEG, GIF, WebP and PDF by their bytes, and reads image sizes from headers only', () => {
    expect(sniffMediaType(buildPng({ width: 3, height: 2 }))).toBe('image/png');
    expect(sniffMediaType(bytes(MEDIA_SAMPLES.jpeg))).toBe('image/jpeg');
    expect(sniffMediaType(bytes(MEDIA_SAMPLES.gif))).toBe('image/gif');
    expect(sniffMediaType(bytes(MEDIA_SAMPLES.webp))).toBe('image/webp');
    expect(sniffMediaType(buildPdf('x'))).toBe('application/pdf');
    expect(sniffMediaType(bytes(MEDIA_SAMPLES.bmp))).toBe('image/bmp');
    expect(imageSize(buildPng({ width: 3, height: 2, claimedWidth: 90_000 }))).toEqual({ width: 90_000, height: 2 });
    expect(imageSize(bytes(MEDIA_SAMPLES.gif))).toEqual({ width: 1, height: 1 });
  });

  it('text that starts like a signature stays text: "BM…", "ID3 …", "OggS …", "%PDF-notes"', () => {
    for (const text of ['BMW (40) and Audi (40) are cars\n', 'ID3 tags are metadata\n', 'OggS is a container\n', '%PDF-notes: todo\n', 'plain\ttext\r\n\f\x1b[0m']) {
      expect(classifyBytes(Buffer.from(text)), JSON.stringify(text)).toEqual({ kind: 'text' });
    }
    expect(looksBinary(Buffer.from('a\u0000b'))).toBe(true);
    expect(looksBinary(Buffer.from('\ufeffhé', 'utf16le'))).toBe(false); // a UTF-16 byte order mark
    expect(classifyBytes(Buffer.from('hé', 'utf16le'), { textHint: true })).toEqual({ kind: 'text' });
    expect(classifyBytes(Buffer.from('<svg onload="alert(1)"/>'))).toEqual({ kind: 'text' });
  });

  it('an image larger than 8000 px per side, or without a readable size, is binary, not an image', () => {
    expect(classifyBytes(buildPng({ width: 2, height: 2, claimedHeight: 8_001 }))).toMatchObject({ kind: 'binary', reason: 'image_dimensions', width: 2, height: 8_001 });
    expect(classifyBytes(buildPng({ width: 2, height: 2, claimedHeight: 8_000 }))).toMatchObject({ kind: 'image', mediaType: 'image/png' });
    expect(classifyBytes(Buffer.from([0xff, 0xd8, 0xff]))).toMatchObject({ kind: 'binary', reason: 'image_dimensions' });
  });

  it('plainFileName makes every hostile name one checkContent accepts, or gives up', () => {
    const cases: [string, string | undefined][] = [
      ['report.pdf', 'report.pdf'], ['../../etc/passwd', '_.._etc_passwd'], ['a\\b.pdf', 'a_b.pdf'], ['a\r\nb.pdf', 'a__b.pdf'],
      ['invoice\u202efdp.exe', 'invoice_fdp.exe'], ['zero\u200bwidth.pdf', 'zero_width.pdf'], ['__proto__', '__proto__'], ['constructor', 'constructor'],
      ['..', undefined], ['.', undefined], ['', undefined], ['   ', undefined], ['❤️.png', '❤️.png'],
    ];
    for (const [raw, expected] of cases) expect(plainFileName(raw), JSON.stringify(raw)).toBe(expected);
    const long = plainFileName(`${'😀'.repeat(200)}.pdf`)!;
    expect(long.length).toBeLessThanOrEqual(255);
    expect(long.endsWith('.pdf')).toBe(true);
    for (const raw of ['../x', 'a\u0000b', `${'n'.repeat(300)}.pdf`, 'x\u2028y', '\u202e']) {
      const name = plainFileName(raw);
      if (name !== undefined) expect(checkContent([{ type: 'file', mediaType: 'application/pdf', data: 'JVBERi0=', filename: name }], { where: 'p' }), raw).toBeUndefined();
    }
  });
});
