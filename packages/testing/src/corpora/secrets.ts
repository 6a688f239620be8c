/**
 * Secret canaries: none may appear in tool output, audit, events, errors or logs (B-50…B-52).
 * Each is a credential in a format a redactor recognizes by its value alone (no key name or
 * prefix needed): OpenAI/Anthropic, AWS, GitHub (classic and fine-grained), Tavily, Slack,
 * Google API keys and a JWT.
 */
export const SECRET_CANARIES: readonly string[] = [
  'sk-agentrt-CANARY-0123456789abcdefghij',
  'AKIAAGENTRTCANARY001',
  'ghp_agentrtCanary0123456789abcdefghijkl',
  'tvly-agentrt-canary-0123456789',
  'sk-ant-agentrt-CANARY-0123456789',
  'github_pat_agentrtCANARY0123456789abcdef',
  'xoxb-agentrt-canary-0123456789',
  'AIzaAgentrtCanary0123456789abcdefghijklm',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudHJ0In0.c2lnbmF0dXJlLWNhbmFyeQ',
];

/**
 * Secrets recognized only by their context (an assignment, a header, a URL, a PEM frame):
 * after redaction `text` may keep its context, but `secret` must be gone.
 */
export const SECRET_ASSIGNMENTS: readonly { readonly text: string; readonly secret: string }[] = [
  { text: 'AGENTRT_SECRET_TOKEN=agentrt-canary-assign-0042', secret: 'agentrt-canary-assign-0042' },
  { text: 'export DB_PASSWORD="agentrt canary quoted 0042"', secret: 'agentrt canary quoted 0042' },
  { text: 'Authorization: Bearer agentrtCanaryBearer0123456789', secret: 'agentrtCanaryBearer0123456789' },
  { text: 'postgres://agentrt:agentrt-canary-userinfo-0042@db.example/app', secret: 'agentrt-canary-userinfo-0042' },
  { text: 'https://api.example/v1/items?api_key=agentrt-canary-query-0042&page=2', secret: 'agentrt-canary-query-0042' },
  { text: '{"password": "agentrt-canary-json-0042"}', secret: 'agentrt-canary-json-0042' },
  { text: '-----BEGIN RSA PRIVATE KEY-----\nMIIEagentrtCANARYpem0042abcdef\n-----END RSA PRIVATE KEY-----', secret: 'MIIEagentrtCANARYpem0042abcdef' },
  // A PEM block cut off (truncated output, a partial read): still a private key.
  { text: 'key follows\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEagentrtCANARYcut0042\n', secret: 'b3BlbnNzaC1rZXktdjEagentrtCANARYcut0042' },
];

/**
 * Where a secret hides in what a tool returns or throws, or a model sends (B-50…B-52): each
 * entry builds a value around `secret`. Most of them defeat a redactor that only scans flat
 * text — a secret after a newline or tab inside a JSON string (`\n` is escaped to `\` `n`, so a
 * word boundary before the secret disappears), after a control character (`\u0001`), as an object
 * key, deep in arrays, or in a string that is itself JSON.
 */
export const SECRET_PLACEMENTS: readonly { readonly name: string; readonly place: (secret: string) => unknown }[] = [
  { name: 'a bare string', place: (secret) => secret },
  { name: 'after a newline inside a JSON string', place: (secret) => ({ log: `started\n${secret}\ndone` }) },
  { name: 'after a tab inside a JSON string', place: (secret) => ({ row: `id\t${secret}\tend` }) },
  { name: 'after a carriage return inside a JSON string', place: (secret) => ({ line: `x\r${secret}` }) },
  { name: 'after a form feed and a backspace', place: (secret) => ({ raw: `\f\b${secret}` }) },
  { name: 'after a control character (escaped as \\u0001)', place: (secret) => ({ raw: `\u0001${secret}` }) },
  { name: 'as an object key', place: (secret) => ({ [secret]: 'value' }) },
  { name: 'as a nested object key', place: (secret) => ({ config: { tokens: { [secret]: true } } }) },
  { name: 'deep in nested arrays', place: (secret) => [1, [2, [3, [`line\n${secret}`]]]] },
  { name: 'in a string that is itself JSON with an escaped newline', place: (secret) => JSON.stringify({ inner: `\n${secret}` }) },
  { name: 'in JSON inside JSON (escaped twice)', place: (secret) => ({ payload: JSON.stringify({ log: `\n${secret}` }) }) },
  { name: 'in the middle of a long line', place: (secret) => `${'x'.repeat(5_000)} ${secret} ${'y'.repeat(5_000)}` },
  { name: 'quoted', place: (secret) => `"${secret}"` },
  { name: 'in an error-shaped object', place: (secret) => ({ error: { message: `request failed:\n${secret}` } }) },
];

/** Builds every placement of every canary: `{ name, secret, value }`. */
export function secretPlacements(secrets: readonly string[] = SECRET_CANARIES): { name: string; secret: string; value: unknown }[] {
  return SECRET_PLACEMENTS.flatMap(({ name, place }) => secrets.map((secret) => ({ name, secret, value: place(secret) })));
}

/**
 * Texts that make a backtracking regex redactor take quadratic (or worse) time: many secret-like
 * prefixes that never complete (`-----BEGIN … PRIVATE KEY-----` without an end line, `scheme`
 * letters without `://`, `…TOKEN…` identifiers without `=`, JWT-like runs without dots,
 * unterminated quoted passwords). Redacting `size` characters of any of them must take time
 * linear in `size`: a redactor that runs on tool output, thrown errors, model arguments and
 * provider messages is otherwise a denial-of-service lever for anyone who controls that text.
 */
export function redactionStressTexts(size = 200_000): { readonly name: string; readonly text: string }[] {
  const fill = (unit: string, prefix = '') => (prefix + unit.repeat(Math.ceil((size - prefix.length) / unit.length))).slice(0, size);
  return [
    { name: 'PEM headers without an end line', text: fill('-----BEGIN PRIVATE KEY-----\n') },
    { name: 'dotted words without ://', text: fill('a.', 'token ') },
    { name: 'one long identifier full of TOKEN', text: fill('TOKEN') },
    { name: 'many TOKEN identifiers without =', text: fill('A_TOKEN ') },
    { name: 'JWT-like runs without dots', text: fill('eyJ-') },
    { name: 'unterminated quoted passwords', text: fill('x', 'token "password": "') },
    { name: 'assignments with unterminated quotes', text: fill('MY_TOKEN="') },
    { name: 'bearer followed by whitespace', text: fill(' ', 'Bearer') },
    { name: 'query keys without values', text: fill('?key=&') },
    { name: 'userinfo-like text without @', text: fill(':x', 'token ://') },
    { name: 'sk- prefixes too short to match', text: fill('sk-abc ') },
    { name: 'AIza prefixes one character short', text: fill(`AIza${'b'.repeat(29)} `) },
    { name: 'github_pat_ prefixes one character short', text: fill(`github_pat_${'c'.repeat(19)} `) },
    { name: 'ghp_ prefixes glued together', text: fill('ghp_') },
  ];
}
