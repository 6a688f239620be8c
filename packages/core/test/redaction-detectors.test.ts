import { describe, expect, it } from 'vitest';
import { seededRandom } from '@agentrt/testing';
import { Redactor } from '../src/index.js';
import { referenceRedact } from './reference-redaction.js';

// The built-in detectors were rewritten to find their literal first and check the boundary behind
// it, and the pre-check to enter each fragment at a rare character (fast on long text). On any text,
// the redactor must mask exactly what the earlier definitions (reference-redaction.ts) masked.

// Pieces that start, end, glue or break tokens of every detector.
const PIECES = [
  'sk-', 'rk-', 'pk-', 'task-', 'AKIA', 'ASIA', 'akia', 'eyJ', 'Bearer', 'bearer', 'BASIC', 'Basic', 'ghp_', 'github_pat_', 'tvly-', 'xoxb-', 'AIza',
  'TOKEN', 'SECRET', 'MY_', 'API_KEY', 'APIKEY', 'ACCESS_KEY', 'PRIVATE_KEY', 'CREDENTIALS', 'PASSWORD', 'password', 'passwd', 'secret', 'token', 'api-key', 'authorization',
  '?key=', '&token=', '#sig=', '?', '&', '#', '://', 'user:pw@', '@', ':', '=', ' = ', ': ', '"', "'", '\\"', '\\', '\\n', '\\t', '\\u0041', '\n', ' ', '  ', ',', ';', '.', '-', '_', '/',
  'Api_Key', 'ACCESS-KEY', 'Authorization', 'Token', 'Passwd', 'Secret', 'AiZa', 'EYJ', 'XOXB-', 'GHP_', 'TVLY-', 'SK-',
  'x', 'A', 'z', '0', '9', 'abcdefghij', 'ABCDEFGHIJKLMNOP', '0123456789', 'aB3_-xY9', 'K', 'İ', 'ſ', 'é',
];

describe('built-in detectors (literal first, boundary checked behind it)', () => {
  it('mask exactly what the earlier definitions masked, on 30,000 random texts built from token pieces', () => {
    const next = seededRandom(15);
    const redactor = new Redactor();
    let differing = 0;
    let redactedSome = 0;
    for (let i = 0; i < 30_000; i++) {
      const count = 1 + Math.floor(next() * 14);
      let text = '';
      for (let j = 0; j < count; j++) text += PIECES[Math.floor(next() * PIECES.length)];
      const expected = referenceRedact(text);
      const actual = redactor.text(text);
      if (expected !== text) redactedSome++;
      if (actual !== expected) {
        differing++;
        expect({ text, actual }).toEqual({ text, actual: expected });
      }
    }
    expect(differing).toBe(0);
    // The corpus reaches the detectors: a good share of texts hold something to mask.
    expect(redactedSome).toBeGreaterThan(3_000);
  });

  it('mask the same in long texts, where a token sits among kilobytes of ordinary JSON', () => {
    const next = seededRandom(7);
    const redactor = new Redactor();
    const filler = JSON.stringify(Array.from({ length: 60 }, (_, i) => ({ id: i, name: `item ${i}`, url: `https://example.com/items/${i}?page=${i}` })));
    for (let i = 0; i < 300; i++) {
      let text = filler;
      for (let j = 0; j < 6; j++) {
        const at = Math.floor(next() * text.length);
        let piece = '';
        for (let k = 0; k < 4; k++) piece += PIECES[Math.floor(next() * PIECES.length)];
        text = text.slice(0, at) + piece + text.slice(at);
      }
      expect(redactor.text(text)).toBe(referenceRedact(text));
    }
  });

  it('find every detector\'s token alone in ordinary text, short and long (the pre-check lets each through)', () => {
    const tokens = [
      'sk-abcdefghijklmnop', 'rk-abcdefghijklmnop', 'pk-abcdefghijklmnop', 'AKIAABCDEFGHIJKLMNOP', 'ASIAABCDEFGHIJKLMNOP',
      'ghp_abcdefghijklmnopqrstu', 'gho_abcdefghijklmnopqrstu', 'ghs_abcdefghijklmnopqrstu', 'github_pat_abcdefghijklmnopqrstu', 'tvly-abcdefgh', 'xoxb-abcdefghij', 'xoxp-abcdefghij',
      'AIzaabcdefghijklmnopqrstuvwxyz0123', 'eyJabcdefgh.abcdefgh.abcdefgh', 'Bearer abcdefghij', 'BEARER abcdefghij', 'basic abcdefghij', 'Basic abcdefghij',
      'https://h/?key=v1', 'https://h/?a=1&api-key=v1', 'https://h/#sig=v1', 'https://h/?ACCESS_TOKEN=v1', 'https://h/?Client_Secret=v1', 'https://user:pw@host/',
      'MY_SECRET=v1', 'TOKEN=v1', 'PASSWD: "v1"', 'PASSWORD=v1', 'API_KEY=v1', 'APIKEY=v1', 'ACCESS_KEY=v1', 'PRIVATE_KEY=v1', 'CREDENTIALS=v1', 'CREDENTIAL=v1',
      '"password": "v1"', "'secret': 'v1'", '"api_key": "v1"', '"Api-Key": "v1"', '"authorization": "v1"', '"token": "v1"', '"PASSWD": "v1"', '"Password": "v1"', '"apikey": "v1"', '"API-KEY": "v1"', "'Token' = 'v1'", '\\"password\\": \\"v1\\"',
    ];
    const redactor = new Redactor();
    for (const token of tokens) {
      for (const text of [`lorem ipsum ${token} dolor`, `${'lorem ipsum dolor sit amet. '.repeat(40)}${token}${' consectetur adipiscing elit.'.repeat(40)}`]) {
        const expected = referenceRedact(text);
        expect(expected, token).not.toBe(text);
        expect(redactor.text(text), token).toBe(expected);
      }
    }
    const pem = `intro -----BEGIN RSA PRIVATE KEY-----\nMIIEabcdefghijklmnop\n-----END RSA PRIVATE KEY----- outro`;
    expect(redactor.text(pem)).not.toContain('MIIEabcdefghijklmnop');
  });

  it('redacts a long text again after a secret is registered, though it was found clean before', () => {
    const redactor = new Redactor();
    const text = `${'plain words '.repeat(20)}my-own-credential-value${' more words'.repeat(20)}`;
    expect(redactor.text(text)).toBe(text);
    expect(redactor.text(text)).toBe(text);
    redactor.addSecret('my-own-credential-value');
    expect(redactor.text(text)).not.toContain('my-own-credential-value');
    expect(redactor.text(text)).toContain('[REDACTED]');
  });
});
