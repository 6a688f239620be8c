// Red team: secrets in free text that only their context gives away — lower/mixed-case
// assignments, YAML/.env/INI lines, raw HTTP header lines, key names such as `npm_config__auth`,
// compatibility (NFKC) forms of known prefixes, and passwords holding `@` in URLs (B-50…B-52, I6).
// And the other side: ordinary prose, code, logs, schemas and URLs come through byte for byte.
import { createRuntime, defineTool, MemoryStore, Redactor, REDACTED } from '@agentrt/core';
import { ScriptedModel, seededRandom } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { referenceRedact } from './reference-redaction.js';

/** Each text plants one canary (`secret`); after redaction no 8-character piece of it may be left. */
const PLANTED: readonly { readonly text: string; readonly secret: string }[] = [
  // Lower-case and mixed-case assignments.
  { text: 'my_secret=mS3cr3t-agentrt-canary-01', secret: 'mS3cr3t-agentrt-canary-01' },
  { text: 'api_key=ak-agentrt-canary-0002', secret: 'ak-agentrt-canary-0002' },
  { text: 'password=hunter2-xyz', secret: 'hunter2-xyz' },
  { text: 'client_secret: cs-agentrt-canary-0004', secret: 'cs-agentrt-canary-0004' },
  { text: 'access_token=at.agentrt.canary.0005', secret: 'at.agentrt.canary.0005' },
  { text: 'clientSecret = "agentrtCanary0006xyz"', secret: 'agentrtCanary0006xyz' },
  { text: 'const apiKey = \'agentrt-canary-0007\';', secret: 'agentrt-canary-0007' },
  { text: 'db.Password:=agentrt+canary/0008', secret: 'agentrt+canary/0008' },
  { text: "$config['password'] => 'agentrt-canary-0009';", secret: 'agentrt-canary-0009' },
  { text: 'mysql --password=agentrt-canary-0010 -h db', secret: 'agentrt-canary-0010' },
  // YAML, .env, INI.
  { text: 'auth:\n  token: abc123agentrtCanary0011\n  user: ada', secret: 'abc123agentrtCanary0011' },
  { text: 'api_key: AbCdEf0123agentrt12', secret: 'AbCdEf0123agentrt12' },
  { text: '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYagentrt13', secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYagentrt13' },
  { text: 'SLACK_webhook_Secret=whsec_agentrt_canary_0014', secret: 'whsec_agentrt_canary_0014' },
  { text: 'session.cookie = "sid-agentrt-canary-0015"', secret: 'sid-agentrt-canary-0015' },
  // Raw HTTP header lines, non-Bearer schemes too; to the end of the line.
  { text: 'GET /v1 HTTP/1.1\nAuthorization: Digest username="ada", response="6629fae49393a05397450978507c4ef1"\nHost: x', secret: '6629fae49393a05397450978507c4ef1' },
  { text: 'Authorization: Token agentrt-canary-0017', secret: 'agentrt-canary-0017' },
  { text: 'authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101, Signature=agentrtcanary0018', secret: 'agentrtcanary0018' },
  { text: 'Cookie: theme=dark; sid=agentrt-canary-0019', secret: 'agentrt-canary-0019' },
  { text: '< Set-Cookie: session=agentrt-canary-0020; Path=/; HttpOnly', secret: 'agentrt-canary-0020' },
  { text: '> X-Api-Key: agentrt-canary-0021', secret: 'agentrt-canary-0021' },
  { text: '  Proxy-Authorization: Basic YWdlbnRydDpjYW5hcnkwMDIy', secret: 'YWdlbnRydDpjYW5hcnkwMDIy' },
  { text: 'X-Auth-Token: opaque zq7w vx9p 0023', secret: 'opaque zq7w vx9p 0023' },
  { text: 'headers: {"Authorization": "Token agentrt-canary-0024"}', secret: 'agentrt-canary-0024' },
  // Key names in text.
  { text: 'npm_config__auth=YWdlbnRydDpjYW5hcnkwMDI1', secret: 'YWdlbnRydDpjYW5hcnkwMDI1' },
  { text: '//registry.npmjs.org/:_authToken=npm_agentrtCanary0026', secret: 'npm_agentrtCanary0026' },
  { text: 'spring: api.key=agentrt-canary-0027', secret: 'agentrt-canary-0027' },
  { text: 'webhook signature=sha256=agentrtcanary0028ff', secret: 'sha256=agentrtcanary0028ff' },
  // Compatibility forms of known prefixes (NFKC).
  { text: 'key ｓｋ-agentrtCanary0029abcdef', secret: 'agentrtCanary0029abcdef' },
  { text: 'id ＡＫＩＡAGENTRTCANARY030', secret: 'AGENTRTCANARY030' },
  { text: 'ＡＫＩＡＡＧＥＮＴＲＴＣＡＮＡＲＹ０３１', secret: 'ＡＧＥＮＴＲＴＣＡＮＡＲＹ０３１' },
  { text: 'ｇｈｐ＿agentrtCanary0032abcdefghijkl', secret: 'agentrtCanary0032abcdefghijkl' },
  { text: 'fullwidth ｐａｓｓｗｏｒｄ＝agentrt-canary-0033', secret: 'agentrt-canary-0033' },
  { text: 'math 𝐬𝐤-agentrtCanary0034abcdef', secret: 'agentrtCanary0034abcdef' },
  // Passwords (and user names) holding `@`.
  { text: 'postgres://ada:p@ss-agentrt-0035@db.example:5432/app', secret: 'p@ss-agentrt-0035' },
  { text: 'redis://:@gentrt@canary0036@cache:6379', secret: '@gentrt@canary0036' },
  { text: 'https://ada@corp.example:pw-agentrt-canary-0037@git.example/repo.git', secret: 'pw-agentrt-canary-0037' },
];

/** Every 8-character piece of a secret. */
const pieces = (secret: string, size = 8) => Array.from({ length: Math.max(1, secret.length - size + 1) }, (_, i) => secret.slice(i, i + size));
const leftOf = (out: string, secret: string) => pieces(secret).filter((piece) => out.includes(piece));

/** Ordinary text: none of it is a secret, and every byte must survive. */
const BENIGN: readonly string[] = [
  'the token count: 42',
  'Token count: 1234 (prompt) + 567 (completion)',
  'password reset link sent',
  'Your password: must be at least 12 characters long.',
  'Set the key: value pairs below',
  'signature verified',
  'Signature: valid',
  'The secret: keep the tests fast.',
  'token: expired',
  'auth: required',
  'Every request needs Authorization: see the section below.',
  'access_token=None',
  'password = null',
  'secret: true',
  'api_key: ""',
  "api_key = ''",
  'password: ********',
  'token: [REDACTED]',
  'api_key=$OPENAI_API_KEY',
  'password: ${DB_PASSWORD}',
  'max_tokens=4096 token_count=5 tokens_used=900 secret_name=db-creds token_type=mac password_policy=strict',
  'cache_key=user:123 sort_key=name primary key: id',
  'const token = getToken();',
  'token = process.env.GITHUB_TOKEN;',
  'api_key = os.environ["OPENAI_API_KEY"]',
  'api_key = os.getenv("OPENAI_API_KEY")',
  'password = getpass.getpass()',
  'if (token == expectedToken) return;',
  'secret = secrets.token_hex(32)',
  'let password: string;',
  'self.api_key = api_key',
  'token := os.Getenv("TOKEN")',
  JSON.stringify({ type: 'object', properties: { password: { type: 'string', minLength: 12 }, token: { type: 'string', description: 'The token: an opaque string' } }, required: ['password'] }),
  JSON.stringify({ name: 'login', parameters: { type: 'object', properties: { username: { type: 'string' }, password: { type: 'string', format: 'password' } } } }),
  '{"usage":{"prompt_tokens":1200,"completion_tokens":80,"total_tokens":1280},"finish_reason":"stop"}',
  '2026-11-26T10:00:01Z INFO worker=3 job=42 status=ok elapsed_ms=120 tokens=1200',
  '2026-11-26T10:00:02Z WARN token refresh scheduled in 300s (token_ttl=3600)',
  '\x1b[32mINFO\x1b[0m auth ok for user \x1b[1mada\x1b[0m, token refreshed',
  '\x1b[31mERROR\x1b[0m password: too short',
  'https://example.com/search?q=token&page=2&sort=desc',
  'https://example.com/docs/api-key-rotation#signature-verification',
  'https://user@example.com/path and https://example.com:8443/x?email=ada@example.com',
  'ssh://git@github.com:22/org/repo.git',
  'mailto:ada@example.com?subject=password%20reset',
  'Content-Type: application/json\nAccept: */*\nUser-Agent: agentrt/1.0\nX-Request-Id: 7f3a9c12',
  'Dates: 2026-11-26, times: 12:30:00, versions: v1.2.3',
  'The author signed it; authentication and authorization are separate concerns.',
  'Keys: api_key, access_token and client_secret are read from the environment.',
  'task-1234567890abcdef and MASIAABCDEFGHIJKLMNOPQ stay',
  'café, naïve, Ünïcödé text, 日本語のテキスト, emoji 🎉 and ｆｕｌｌｗｉｄｔｈ text',
  'ﬁle ligatures and the Kelvin sign \u212a stay as written',
  'YAML:\n  password:\n    minLength: 12\n  token:\n    type: string',
];

describe('red team: secrets recognized by their context in free text', () => {
  const redactor = new Redactor();

  it('removes every planted canary: lower/mixed-case assignments, YAML/.env/INI, header lines, key names, NFKC forms, @ in URL passwords', () => {
    const misses: string[] = [];
    for (const { text, secret } of PLANTED) {
      for (const [form, out] of [
        ['text', redactor.text(text)],
        ['JSON text', redactor.text(JSON.stringify({ log: `line\n${text}` }))],
        ['JSON in JSON', redactor.text(JSON.stringify({ payload: JSON.stringify({ log: `x\n${text}\ny` }) }))],
        ['value', JSON.stringify(redactor.value({ log: `line\n${text}`, list: [text] }))],
        ['long text', redactor.text(`${'ordinary words here. '.repeat(50)}\n${text}\n${' and more words'.repeat(50)}`)],
      ] as const) {
        const left = leftOf(out, secret);
        if (left.length > 0) misses.push(`${form}: ${JSON.stringify(text)} → ${JSON.stringify(out)}`);
        if (!out.includes(REDACTED)) misses.push(`${form}: nothing masked in ${JSON.stringify(text)}`);
      }
    }
    expect(misses).toEqual([]);
  });

  it('keeps the key, the separator and the rest of the line readable around a masked value', () => {
    expect(redactor.text('password=hunter2-xyz')).toBe(`password=${REDACTED}`);
    expect(redactor.text('my_secret: "abc123def" # used by ci')).toBe(`my_secret: "${REDACTED}" # used by ci`);
    expect(redactor.text('GET /\nCookie: a=1; sid=abc\nHost: example.com')).toBe(`GET /\nCookie: ${REDACTED}\nHost: example.com`);
    expect(redactor.text('{"h":"Set-Cookie: sid=abc; Path=/","n":1}')).toBe(`{"h":"Set-Cookie: ${REDACTED}","n":1}`);
    expect(redactor.text('{"raw":"HTTP/1.1 200\\r\\nSet-Cookie: sid=abc\\r\\nVary: x"}')).toBe(`{"raw":"HTTP/1.1 200\\r\\nSet-Cookie: ${REDACTED}\\r\\nVary: x"}`);
    expect(redactor.text('postgres://ada:p@ss@db/app')).toBe(`postgres://${REDACTED}@db/app`);
    expect(redactor.text('err: {Authorization: Token abc123def}')).toBe(`err: {Authorization: Token ${REDACTED}}`);
  });

  it('leaves ordinary prose, code, logs, schemas, colour-coded logs and URLs untouched, byte for byte', () => {
    const changed: string[] = [];
    for (const text of BENIGN) {
      for (const form of [text, JSON.stringify({ text }), JSON.stringify(JSON.stringify({ text }))]) {
        const out = redactor.text(form);
        if (out !== form) changed.push(`${JSON.stringify(form)} → ${JSON.stringify(out)}`);
      }
    }
    const all = BENIGN.join('\n');
    if (redactor.text(all) !== all) changed.push('the corpus joined by newlines');
    expect(changed).toEqual([]);
    expect(JSON.parse(JSON.stringify(redactor.value({ items: BENIGN })))).toEqual({ items: BENIGN });
  });

  it('masks exactly what the independent reference masks, on 20,000 random texts built from the new rules\' pieces', () => {
    const PIECES = [
      'password', 'Password', 'PASSWD', 'passphrase', 'my_secret', 'clientSecret', 'api_key', 'api.key', 'Api-Key', 'apikey', 'access_token', 'accessToken', 'token', 'TOKEN',
      'credentials', 'signature', 'cookie', 'Cookie', 'Set-Cookie', 'X-Api-Key', 'x-auth-token', 'Authorization', 'Proxy-Authorization', 'authorization', 'npm_config__auth', '_auth', 'oauth', 'private_key', 'secret_key', 'mytoken',
      '=', ':', ' = ', ': ', ':=', '=>', '==', '"', "'", '\\"', '\\', '\\n', '\\r', '\n', '\r\n', ' ', '\t', '> ', '< ', ',', ';', '(', ')', '{', '}', '[', '.', '-', '_', '@', '/', '://', '$',
      'hunter2-xyz', 'abc123def', 'getToken', 'None', 'null', 'process.env.TOKEN', '4096', '12:30', 'Token ', 'Digest ', 'Bearer ', 'Basic ', 'abcdefghijklmnop', 'AbCdEf012', 'x',
      'user:p@ss@host', 'https://', 'ada@corp:pw@', 'ｓｋ-', 'ＡＫＩＡ', 'ｔｏｋｅｎ', '＝', '：', '\u00a0', '𝐀', 'sk-', 'AKIA', 'ABCDEFGHIJKLMNOP', '\x1b[31m', '\x1b[0m', '\\u0041', '%41', '\u200b',
    ];
    const next = seededRandom(50);
    const differing: { text: string; actual: string; expected: string }[] = [];
    let masked = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      for (let j = 0, n = 1 + Math.floor(next() * 16); j < n; j++) text += PIECES[Math.floor(next() * PIECES.length)];
      const expected = referenceRedact(text);
      const actual = redactor.text(text);
      if (expected !== text) masked++;
      if (actual !== expected && differing.length < 5) differing.push({ text, actual, expected });
    }
    expect(differing).toEqual([]);
    expect(masked).toBeGreaterThan(2_500);
  });

  it('streams redact like text(): a planted line cut at every point never shows its canary', () => {
    const texts = [
      ...PLANTED.slice(0, 24).map((p) => `before\n${p.text}\nafter`),
      `GET /\nCookie: ${'c'.repeat(600)}sid=agentrt-canary-long\nHost: x`,
      `token: ${'v'.repeat(300)}9`,
    ];
    for (const text of texts) {
      const whole = redactor.text(text);
      for (let cut = 1; cut < text.length; cut += text.length > 200 ? 7 : 1) {
        const stream = redactor.textStream();
        const shown = stream.push(text.slice(0, cut)) + stream.push(text.slice(cut)) + stream.end();
        expect(shown, `${JSON.stringify(text.slice(0, 40))} cut at ${cut}`).toBe(whole);
      }
      const stream = redactor.textStream();
      let shown = '';
      for (const ch of text) shown += stream.push(ch);
      expect(shown + stream.end()).toBe(whole);
    }
  });

  it('keeps every planted canary out of the audit log, events, errors and the model-visible tool result; benign output reaches the model verbatim', async () => {
    const planted = PLANTED.map((p) => p.text).join('\n');
    const benign = BENIGN.join('\n');
    const leak = defineTool({ name: 'leak', description: 'returns secrets', input: z.object({}), execute: () => planted });
    const thrower = defineTool({ name: 'thrower', description: 'throws secrets', input: z.object({}), execute: () => { throw new Error(planted); } });
    const plain = defineTool({ name: 'plain', description: 'returns ordinary text', input: z.object({}), execute: () => benign });
    const model = new ScriptedModel([
      ScriptedModel.parallel([{ name: 'leak', args: { note: planted } }, { name: 'thrower', args: {} }, { name: 'plain', args: {} }]),
      ScriptedModel.answer(`done\n${planted}`),
    ]);
    const store = new MemoryStore();
    const runtime = createRuntime({ model, store, tools: [leak, thrower, plain], loopDetection: false, limits: { maxToolOutputChars: 100_000 } });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    const written = JSON.stringify([await runtime.events(result.runId), await runtime.exportAudit(result.runId), result.error ?? null, model.requests[1]!.messages.filter((m) => m.role === 'tool')]);
    const left = PLANTED.filter(({ secret }) => leftOf(written, secret).length > 0 || leftOf(JSON.parse(JSON.stringify(written)) as string, secret).length > 0);
    expect(left.map((p) => `${p.text}: ${leftOf(written, p.secret).join(" | ")}`)).toEqual([]);
    const plainResult = model.requests[1]!.messages.find((m) => m.role === 'tool' && m.name === 'plain');
    expect(plainResult && String(plainResult.content)).toBe(benign);
    await runtime.close();
  });
});
