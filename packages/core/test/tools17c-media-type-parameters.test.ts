// tools17c: a media type with parameters (RFC 9110 §8.3.1) — what real servers send in
// Content-Type (`image/png; charset=binary`, `application/pdf; name=x.pdf`, `Image/PNG`) — is a
// media type: accepted, sent as its essence; `charset` is honoured for text (the bytes become
// UTF-8). Only malformed values are content_invalid.
import { acceptsMediaType, canonicalMediaType, checkContent, createRuntime, defineTool, normalizeContent, type ContentPart } from '@agentrt/core';
import { buildPdf, buildPng, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const PNG = buildPng({ width: 4, height: 4 }).toString('base64');
const PDF = buildPdf('x').toString('base64');
const image = (mediaType: string): ContentPart => ({ type: 'image', mediaType, data: PNG });
const check = (mediaType: string, type: 'image' | 'file' = 'image') => checkContent([{ type, mediaType, data: type === 'image' ? PNG : PDF }], { where: 'input.0.content' });

describe('media types with parameters', () => {
  it('accepts what servers send: parameters, mixed case, whitespace around ;, quoted values, empty parameters, __proto__ as a name', () => {
    for (const type of ['image/png; charset=binary', 'Image/PNG', 'IMAGE/PNG ; CHARSET="binary"', 'image/jpeg;q=1', 'image/png;;;', 'image/png ;\tx=y ; z="a;b\\"c"', 'image/png; __proto__=1; constructor=2']) {
      expect(check(type), type).toBeUndefined();
    }
    expect(check('application/pdf; name=x.pdf', 'file')).toBeUndefined();
    expect(check('Application/PDF; name="Q3 report.pdf"', 'file')).toBeUndefined();
  });

  it('refuses malformed ones (content_invalid naming the field), a 1 MB value without echoing it, an unknown text charset', () => {
    const bad = [';;;', 'image/', '/png', 'image', 'image /png', 'image/png; q', 'image/png; a="unclosed', 'image/png; a=b c', 'image/png; =x', 'image/png, image/png', '__proto__', `image/png; a=${'x'.repeat(2 ** 20)}`, 'image/p\u0000ng', 'image/pñg'];
    for (const type of bad) {
      const error = check(type);
      expect(error, JSON.stringify(type.slice(0, 40))).toMatchObject({ code: 'content_invalid', message: expect.stringContaining('input.0.content.0.mediaType') });
      expect(error!.message.length).toBeLessThan(500);
    }
    expect(check('text/plain; charset=utf-8', 'image')).toMatchObject({ code: 'content_invalid', message: expect.stringContaining('image/*') });
    expect(checkContent([{ type: 'file', mediaType: 'text/plain; charset=klingon', data: 'aGk=' }], { where: 'w' })).toMatchObject({ code: 'content_invalid', message: expect.stringContaining('unknown charset "klingon"') });
    for (const label of ['__proto__', 'iso-2022-kr', 'x'.repeat(100), 'utf-7']) expect(checkContent([{ type: 'file', mediaType: `text/plain; charset=${label}`, data: 'aGk=' }], { where: 'w' }), label).toMatchObject({ code: 'content_invalid' });
    // The charset of a non-text type is not read (image/png; charset=binary is common).
    expect(check('image/png; charset=klingon')).toBeUndefined();
  });

  it('the canonical type is the essence: aliases and matching work with parameters', () => {
    expect(canonicalMediaType('Image/JPG; q=1')).toBe('image/jpeg');
    expect(canonicalMediaType('image/png; charset=binary')).toBe('image/png');
    expect(acceptsMediaType(['image/png'], 'Image/PNG; x=y')).toBe(true);
    expect(acceptsMediaType(['application/*'], 'application/pdf; name=x.pdf')).toBe(true);
    expect(normalizeContent([image('IMAGE/PNG ; charset=binary')])).toEqual([image('image/png')]);
  });

  it('charset is honoured for text: ISO-8859-1, windows-1252 and UTF-16 bytes become UTF-8; UTF-8 ones are untouched', () => {
    const latin = Buffer.from('Grüße', 'latin1').toString('base64');
    expect(normalizeContent([{ type: 'file', mediaType: 'text/plain; charset="ISO-8859-1"', data: latin }])).toEqual([{ type: 'file', mediaType: 'text/plain', data: Buffer.from('Grüße').toString('base64') }]);
    expect(normalizeContent([{ type: 'file', mediaType: 'Text/Plain;Charset=windows-1252', data: Buffer.from([0x80, 0x20, 0x93, 0x61, 0x94]).toString('base64') }])).toEqual([{ type: 'file', mediaType: 'text/plain', data: Buffer.from('€ “a”').toString('base64') }]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('héllo', 'utf16le')]).toString('base64');
    expect(normalizeContent([{ type: 'file', mediaType: 'text/csv; charset=utf-16le', data: utf16 }])).toEqual([{ type: 'file', mediaType: 'text/csv', data: Buffer.from('héllo').toString('base64') }]);
    const utf8 = Buffer.from('\uFEFFGrüße').toString('base64');
    expect(normalizeContent([{ type: 'file', mediaType: 'text/plain; charset=UTF-8', data: utf8 }])).toEqual([{ type: 'file', mediaType: 'text/plain', data: utf8 }]);
  });

  it('through a run: a user part and a tool result that carry a server Content-Type reach the model as the essence (text in UTF-8)', async () => {
    const fetchLike = defineTool({
      name: 'fetch_file', description: 'returns what a server sent', input: z.object({}),
      execute: () => [{ type: 'image', mediaType: 'image/png; charset=binary', data: PNG }, { type: 'file', mediaType: 'text/plain; charset=iso-8859-1', data: Buffer.from('Grüße', 'latin1').toString('base64') }],
    });
    const model = new ScriptedModel([ScriptedModel.call('fetch_file', {}), ScriptedModel.answer('seen')], { capabilities: ScriptedModel.ALL_CONTENT });
    const result = await createRuntime({ model, tools: [fetchLike] }).run([{ role: 'user', content: [{ type: 'text', text: 'look' }, image('Image/PNG; q=1'), { type: 'file', mediaType: 'application/pdf; name=x.pdf', data: PDF }] }]);
    expect(result, JSON.stringify(result.error)).toMatchObject({ status: 'completed', output: 'seen' });
    const sent = model.requests[1]!.messages;
    expect((sent[0]!.content as ContentPart[]).map((part) => (part.type === 'text' ? 'text' : part.mediaType))).toEqual(['text', 'image/png', 'application/pdf']);
    expect(sent.at(-1)).toMatchObject({ role: 'tool', content: [{ type: 'image', mediaType: 'image/png', data: PNG }, { type: 'file', mediaType: 'text/plain', data: Buffer.from('Grüße').toString('base64') }] });
  });
});
