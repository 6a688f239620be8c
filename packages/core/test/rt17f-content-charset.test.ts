// rt17f red team: text parts with a charset are re-encoded as UTF-8 (tools17c). The limit
// `limits.maxPartBytes` must hold for what is stored and sent — the UTF-8 bytes — not only for
// the declared bytes (windows-1252 € is one byte, three in UTF-8). A byte order mark decides the
// encoding, as the docs and the WHATWG decode say.
import { checkContent, createRuntime, defineTool, normalizeContent, type ContentPart } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const MAX = 1000;
const file = (mediaType: string, bytes: Buffer): ContentPart => ({ type: 'file', mediaType, data: bytes.toString('base64') });
const utf8Of = (content: unknown) => Buffer.from(((content as ContentPart[])[0] as { data: string }).data, 'base64');

describe('rt17f: a re-encoded text part is held to maxPartBytes', () => {
  it('input: latin-1 under the limit that grows past it as UTF-8 is content_too_large; one that stays under is accepted and sent', async () => {
    const grows = file('text/plain; charset=iso-8859-1', Buffer.alloc(900, 0xe9)); // é: 900 bytes → 1 800
    expect(checkContent([grows], { where: 'input.0.content', maxPartBytes: MAX })).toMatchObject({ code: 'content_too_large', message: expect.stringContaining('1800') });
    const model = new ScriptedModel([ScriptedModel.answer('ok')], { capabilities: ScriptedModel.ALL_CONTENT });
    await expect(createRuntime({ model, limits: { maxPartBytes: MAX } }).run([{ role: 'user', content: [grows] }])).rejects.toMatchObject({ code: 'content_too_large' });
    expect(model.requests).toHaveLength(0);
    // Legitimate: 500 é → 1 000 UTF-8 bytes, exactly the limit.
    const fits = file('text/plain; charset=iso-8859-1', Buffer.alloc(500, 0xe9));
    const result = await createRuntime({ model, limits: { maxPartBytes: MAX } }).run([{ role: 'user', content: [fits] }]);
    expect(result.status).toBe('completed');
    expect(utf8Of(model.requests[0]!.messages[0]!.content).toString('utf8')).toBe('é'.repeat(500));
  });

  it('a tool returning windows-1252 text that triples as UTF-8 gets a content_too_large error result; the run goes on', async () => {
    const tool = defineTool({ name: 'fetch', description: 'fetches', input: z.object({}), execute: () => [file('text/plain; charset=windows-1252', Buffer.alloc(900, 0x80))] });
    const model = new ScriptedModel([ScriptedModel.call('fetch', {}), ScriptedModel.answer('ok')], { capabilities: ScriptedModel.ALL_CONTENT });
    const result = await createRuntime({ model, tools: [tool], limits: { maxPartBytes: MAX } }).run('go');
    expect(result.status).toBe('completed');
    const sent = model.requests[1]!.messages.at(-1)!;
    expect(JSON.stringify(sent.content)).toContain('content_too_large');
  });
});

describe('rt17f: a byte order mark decides the encoding', () => {
  it('UTF-16BE bytes with their BOM under charset=utf-16 (which labels UTF-16LE) read as UTF-16BE', () => {
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('héllo', 'utf16le').swap16()]);
    expect(utf8Of(normalizeContent([file('text/plain; charset=utf-16', be)])).toString('utf8')).toBe('héllo');
  });
  it('a UTF-8 BOM under charset=iso-8859-1 reads as UTF-8 (no "ï»¿" mojibake)', () => {
    expect(utf8Of(normalizeContent([file('text/plain; charset=iso-8859-1', Buffer.from('\uFEFFGrüße'))])).toString('utf8')).toBe('Grüße');
  });
  it('UTF-16LE bytes with their BOM under charset=utf-8 are re-encoded (not passed on as UTF-16)', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('héllo', 'utf16le')]);
    expect(utf8Of(normalizeContent([file('text/plain; charset=utf-8', le)])).toString('utf8')).toBe('héllo');
  });
  it('unchanged: UTF-16LE with its BOM, UTF-8 with its BOM, UTF-8 without a charset', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hé', 'utf16le')]);
    expect(utf8Of(normalizeContent([file('text/plain; charset=utf-16', le)])).toString('utf8')).toBe('hé');
    const utf8 = Buffer.from('\uFEFFhé');
    expect(utf8Of(normalizeContent([file('text/plain; charset=UTF-8', utf8)]))).toEqual(utf8);
    expect(utf8Of(normalizeContent([file('text/plain', Buffer.from([0x41, 0xff]))]))).toEqual(Buffer.from([0x41, 0xff]));
  });
});

describe('rt17f: held — hostile media-type parameters', () => {
  const check = (mediaType: string, bytes = Buffer.from('x')) => checkContent([file(mediaType, bytes)], { where: 'w' });
  it('__proto__ / constructor names, a quoted value with backslashes, 1 024 characters exactly: accepted; 1 025 or 1 000 parameters: content_invalid', () => {
    expect(utf8Of(normalizeContent([file('text/plain; __proto__=x; constructor=y; charset=latin1', Buffer.from([0xe9]))])).toString('utf8')).toBe('é');
    expect(utf8Of(normalizeContent([file('text/plain; charset="lat\\in1"', Buffer.from([0xe9]))])).toString('utf8')).toBe('é');
    expect(check('text/plain; x="a\\"')).toMatchObject({ code: 'content_invalid' }); // the quote is escaped: unclosed
    const head = 'text/plain; x=';
    expect(check(head + 'a'.repeat(1024 - head.length))).toBeUndefined();
    expect(check(head + 'a'.repeat(1025 - head.length))).toMatchObject({ code: 'content_invalid' });
    expect(check('text/plain' + '; a=b'.repeat(1000))).toMatchObject({ code: 'content_invalid' });
    expect(check('text/plain' + ';a=b'.repeat(200))).toBeUndefined();
  });
  it('invalid UTF-8 under charset=utf-8 is sent as it is (documented: UTF-8 bytes are not touched)', () => {
    const bad = Buffer.from([0x41, 0xff, 0xfe, 0xc3]);
    expect(utf8Of(normalizeContent([file('text/plain; charset=utf-8', bad)]))).toEqual(bad);
  });
});

