import { AgentrtError } from '@agentrt/core';

/** Limits of the math grammar. */
export interface ExpressionLimits {
  /** Characters. Default 1 000. */
  readonly maxLength: number;
  /** Nesting of parentheses, calls and signs. Default 64. */
  readonly maxDepth: number;
  /** Largest magnitude of any intermediate or final value. Default 1e300. */
  readonly maxMagnitude: number;
}

export const DEFAULT_LIMITS: ExpressionLimits = { maxLength: 1_000, maxDepth: 64, maxMagnitude: 1e300 };

type Token = { kind: 'number'; value: number; text: string; at: number } | { kind: 'name'; value: string; at: number } | { kind: 'op'; value: string; at: number };
type Node = { kind: 'number'; value: number } | { kind: 'unary'; op: '-' | '+'; arg: Node } | { kind: 'binary'; op: string; left: Node; right: Node } | { kind: 'call'; name: string; args: Node[] } | { kind: 'const'; name: string };

const reject = (message: string) => new AgentrtError('expression_rejected', message);
const domain = (message: string) => new AgentrtError('math_domain_error', message);

const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, e: Math.E, tau: 2 * Math.PI };

/** Allowlisted functions and their arities (`-1`: one or more). Plain lookups, never property access on JS objects. */
const FUNCTIONS: ReadonlyMap<string, { arity: number; fn: (...args: number[]) => number }> = new Map([
  ['sqrt', { arity: 1, fn: (x: number) => { if (x < 0) throw domain('sqrt of a negative number'); return Math.sqrt(x); } }],
  ['cbrt', { arity: 1, fn: Math.cbrt }],
  ['abs', { arity: 1, fn: Math.abs }],
  ['sign', { arity: 1, fn: Math.sign }],
  ['round', { arity: 1, fn: Math.round }],
  ['floor', { arity: 1, fn: Math.floor }],
  ['ceil', { arity: 1, fn: Math.ceil }],
  ['trunc', { arity: 1, fn: Math.trunc }],
  ['exp', { arity: 1, fn: Math.exp }],
  ['ln', { arity: 1, fn: (x: number) => { if (x <= 0) throw domain('ln of a non-positive number'); return Math.log(x); } }],
  ['log', { arity: 1, fn: (x: number) => { if (x <= 0) throw domain('log of a non-positive number'); return Math.log10(x); } }],
  ['log2', { arity: 1, fn: (x: number) => { if (x <= 0) throw domain('log2 of a non-positive number'); return Math.log2(x); } }],
  ['log10', { arity: 1, fn: (x: number) => { if (x <= 0) throw domain('log10 of a non-positive number'); return Math.log10(x); } }],
  ['sin', { arity: 1, fn: Math.sin }],
  ['cos', { arity: 1, fn: Math.cos }],
  ['tan', { arity: 1, fn: Math.tan }],
  ['asin', { arity: 1, fn: Math.asin }],
  ['acos', { arity: 1, fn: Math.acos }],
  ['atan', { arity: 1, fn: Math.atan }],
  ['atan2', { arity: 2, fn: Math.atan2 }],
  ['sinh', { arity: 1, fn: Math.sinh }],
  ['cosh', { arity: 1, fn: Math.cosh }],
  ['tanh', { arity: 1, fn: Math.tanh }],
  ['pow', { arity: 2, fn: Math.pow }],
  ['hypot', { arity: -1, fn: Math.hypot }],
  ['min', { arity: -1, fn: Math.min }],
  ['max', { arity: -1, fn: Math.max }],
  ['factorial', { arity: 1, fn: factorial }],
]);

/** n! in integers (n already checked by `factorial`: an integer in 0..170). */
function factorialBig(n: number): bigint {
  let out = 1n;
  for (let i = 2n; i <= BigInt(n); i++) out *= i;
  return out;
}

function factorial(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw domain('factorial needs a non-negative integer');
  if (n > 170) throw domain('factorial of more than 170 exceeds the largest representable number');
  let out = 1;
  for (let i = 2; i <= n; i++) out *= i;
  return out;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      i++;
      continue;
    }
    const number = /^(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?/.exec(source.slice(i, i + 400));
    if (number) {
      if (/^0\d/.test(number[0]) && !number[0].startsWith('0.')) throw reject(`numbers may not have leading zeros (at ${i})`);
      const after = source[i + number[0].length];
      if (after !== undefined && /[A-Za-z_.\d]/.test(after)) throw reject(`malformed number at ${i}`);
      tokens.push({ kind: 'number', value: Number(number[0]), text: number[0], at: i });
      i += number[0].length;
      continue;
    }
    const name = /^[a-z][a-z0-9]{0,15}/.exec(source.slice(i, i + 17));
    if (name) {
      if (/[A-Za-z0-9_$]/.test(source[i + name[0].length] ?? '')) throw reject(`unknown name at ${i}`);
      tokens.push({ kind: 'name', value: name[0], at: i });
      i += name[0].length;
      continue;
    }
    if ('+-*/%^(),'.includes(c)) {
      tokens.push({ kind: 'op', value: c, at: i });
      i++;
      continue;
    }
    throw reject(`unexpected character ${JSON.stringify(c)} at ${i}; only numbers, + - * / % ^, parentheses and the listed functions are allowed`);
  }
  return tokens;
}

/** A stack overflow (limits beyond their bounds, a hand-built tree) is a rejected expression, not an untyped RangeError. */
function bounded<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof RangeError) throw reject('the expression nests too deep to evaluate');
    throw error;
  }
}

/** Parses with a recursive-descent parser over an allowlisted grammar; never evaluates JavaScript. */
export function parseExpression(source: string, limits: ExpressionLimits = DEFAULT_LIMITS): Node {
  return bounded(() => parse(source, limits));
}

function parse(source: string, limits: ExpressionLimits): Node {
  if (typeof source !== 'string') throw reject('the expression must be a string');
  if (source.length > limits.maxLength) throw reject(`the expression is longer than ${limits.maxLength} characters`);
  if (source.trim() === '') throw reject('the expression is empty');
  const tokens = tokenize(source);
  let pos = 0;
  let depth = 0;
  const peek = () => tokens[pos];
  const isOp = (value: string) => peek()?.kind === 'op' && peek()!.value === value;
  const enter = () => {
    if (++depth > limits.maxDepth) throw reject(`the expression nests deeper than ${limits.maxDepth} levels`);
  };
  const expect = (value: string) => {
    if (!isOp(value)) throw reject(`expected "${value}" at ${peek()?.at ?? source.length}`);
    pos++;
  };
  const expression = (): Node => {
    let left = term();
    while (isOp('+') || isOp('-')) {
      const op = tokens[pos++]!.value as string;
      left = { kind: 'binary', op, left, right: term() };
    }
    return left;
  };
  const term = (): Node => {
    let left = unary();
    while (isOp('*') || isOp('/') || isOp('%')) {
      const op = tokens[pos++]!.value as string;
      if (isOp('*')) throw reject('"**" is not supported; use ^ for powers');
      left = { kind: 'binary', op, left, right: unary() };
    }
    return left;
  };
  const unary = (): Node => {
    if (isOp('-') || isOp('+')) {
      const op = tokens[pos++]!.value as '-' | '+';
      enter();
      const node: Node = { kind: 'unary', op, arg: unary() };
      depth--;
      return node;
    }
    return power();
  };
  const power = (): Node => {
    const base = primary();
    if (isOp('^')) {
      pos++;
      enter();
      const node: Node = { kind: 'binary', op: '^', left: base, right: unary() };
      depth--;
      return node;
    }
    return base;
  };
  const primary = (): Node => {
    const token = peek();
    if (!token) throw reject('the expression ends too early');
    if (token.kind === 'number') {
      pos++;
      const node: Node = { kind: 'number', value: token.value };
      if (Math.abs(token.value) > Number.MAX_SAFE_INTEGER && !exactLiteral(token.text, token.value)) INEXACT_LITERALS.add(node);
      return node;
    }
    if (token.kind === 'name') {
      pos++;
      if (Object.prototype.hasOwnProperty.call(CONSTANTS, token.value) && !isOp('(')) return { kind: 'const', name: token.value };
      const fn = FUNCTIONS.get(token.value);
      if (!fn) throw reject(`unknown name "${token.value}" at ${token.at}`);
      expect('(');
      enter();
      const args: Node[] = [];
      if (!isOp(')')) {
        args.push(expression());
        while (isOp(',')) {
          pos++;
          args.push(expression());
        }
      }
      expect(')');
      depth--;
      if (fn.arity >= 0 ? args.length !== fn.arity : args.length === 0) throw reject(`${token.value} takes ${fn.arity >= 0 ? fn.arity : 'one or more'} argument(s), got ${args.length}`);
      return { kind: 'call', name: token.value, args };
    }
    if (isOp('(')) {
      pos++;
      enter();
      const inner = expression();
      expect(')');
      depth--;
      return inner;
    }
    throw reject(`unexpected "${token.value}" at ${token.at}`);
  };
  const tree = expression();
  if (pos < tokens.length) throw reject(`unexpected "${tokens[pos]!.value}" at ${tokens[pos]!.at}`);
  return tree;
}

const BINARY_OPS = new Set(['+', '-', '*', '/', '%', '^']);

/** Literals whose double is not the number written (`12345678901234567891`): parsed trees only, by identity. */
const INEXACT_LITERALS = new WeakSet<Node>();
/** Functions whose result is one of their arguments or a rounding of it: exact when the arguments are. */
const VALUE_PRESERVING = new Set(['abs', 'sign', 'round', 'floor', 'ceil', 'trunc', 'min', 'max']);

/** Whether the double `value` is exactly the decimal number `text` (digits, optional fraction and exponent). */
function exactLiteral(text: string, value: number): boolean {
  const match = /^(\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match || !Number.isInteger(value)) return false;
  const digits = BigInt(`${match[1] ?? ''}${match[2] ?? ''}` || '0');
  const exponent = Number(match[3] ?? 0) - (match[2]?.length ?? 0);
  if (Math.abs(exponent) > 1_000) return false;
  const scale = 10n ** BigInt(Math.abs(exponent));
  if (exponent >= 0) return digits * scale === BigInt(value);
  return digits % scale === 0n && digits / scale === BigInt(value);
}

/** `a ^ b` in integers when it is small enough to compute (`b` ≥ 0), else undefined. */
function integerPower(a: bigint, b: bigint): bigint | undefined {
  if (b < 0n) return undefined;
  if (a === 0n) return b === 0n ? 1n : 0n;
  if (a === 1n) return 1n;
  if (a === -1n) return b % 2n === 0n ? 1n : -1n;
  return b <= 4_000n ? a ** b : undefined; // |a| ≥ 2 and a result within 1e300 means b < 1 000
}

/** Whether `result` (a double beyond 2^53) is exactly `a op b` for integer operands. */
function exactBinary(op: string, a: number, b: number, result: number): boolean {
  if (!Number.isInteger(a) || !Number.isInteger(b)) return false;
  const [x, y, r] = [BigInt(a), BigInt(b), BigInt(result)];
  switch (op) {
    case '+': return x + y === r;
    case '-': return x - y === r;
    case '*': return x * y === r;
    case '%': return y !== 0n && x % y === r;
    case '/': return y !== 0n && x % y === 0n && x / y === r;
    default: return integerPower(x, y) === r;
  }
}

/**
 * Evaluates a parsed expression. Non-finite or oversized values are `math_domain_error`; -0
 * becomes 0. A tree that `parseExpression` did not make — an unknown kind, operator, function or
 * constant (inherited names such as `__proto__` included), a non-number literal, wrong arity,
 * or nesting too deep — is `expression_rejected`.
 */
export function evaluate(node: Node, limits: ExpressionLimits = DEFAULT_LIMITS): number {
  return bounded(() => evaluateTree(node, limits, { approximate: false }));
}

/**
 * Evaluates like `evaluate`, and says whether a value beyond 2^53 − 1 anywhere (a literal, an
 * intermediate or the result) is not exactly what the arithmetic asks for. Beyond 2^53 a double
 * cannot hold every integer: 123456789 × 987654321 is 121932631112635269, the double prints
 * 121932631112635260. Integer `+ - * / % ^`, `pow`, `factorial` and literals are checked
 * exactly (with BigInt), so 2^64 or 2^53 − 1 are not flagged; other functions beyond 2^53 are.
 * An exact result that JSON would print with other digits (2^64 prints 18446744073709552000)
 * comes with `exact`, its decimal digits.
 */
export function evaluateReporting(node: Node, limits: ExpressionLimits = DEFAULT_LIMITS): { value: number; approximate: boolean; exact?: string } {
  const flags = { approximate: false };
  const value = bounded(() => evaluateTree(node, limits, flags));
  // An exact result whose shortest printed form is not its exact value (2^64 prints 18446744073709552000): its digits.
  if (!flags.approximate && Math.abs(value) > Number.MAX_SAFE_INTEGER && !exactLiteral(String(Math.abs(value)), Math.abs(value))) return { value, approximate: false, exact: BigInt(value).toString() };
  return { value, approximate: flags.approximate };
}

function evaluateTree(node: Node, limits: ExpressionLimits, flags: { approximate: boolean }): number {
  const check = (value: number, what: string) => {
    if (Number.isNaN(value)) throw domain(`${what} is not a number`);
    if (!Number.isFinite(value) || Math.abs(value) > limits.maxMagnitude) throw domain(`${what} exceeds the magnitude limit of ${limits.maxMagnitude}`);
    return value === 0 ? 0 : value;
  };
  const walk = (n: Node): number => {
    if (typeof n !== 'object' || n === null) throw reject('not an expression tree');
    switch (n.kind) {
      case 'number':
        if (typeof n.value !== 'number') throw reject('a number node holds no number');
        if (INEXACT_LITERALS.has(n)) flags.approximate = true;
        return check(n.value, 'a number');
      case 'const':
        if (typeof n.name !== 'string' || !Object.hasOwn(CONSTANTS, n.name)) throw reject(`unknown constant ${JSON.stringify(String(n.name)).slice(0, 40)}`);
        return CONSTANTS[n.name]!;
      case 'unary':
        if (n.op !== '-' && n.op !== '+') throw reject('unknown unary operator');
        return check(n.op === '-' ? -walk(n.arg) : walk(n.arg), 'a signed value');
      case 'call': {
        const fn = typeof n.name === 'string' ? FUNCTIONS.get(n.name) : undefined;
        if (!fn || !Array.isArray(n.args)) throw reject(`unknown function ${JSON.stringify(String(n.name)).slice(0, 40)}`);
        if (fn.arity >= 0 ? n.args.length !== fn.arity : n.args.length === 0) throw reject(`${n.name} takes ${fn.arity >= 0 ? fn.arity : 'one or more'} argument(s), got ${n.args.length}`);
        const args = n.args.map(walk);
        const result = check(fn.fn(...args), `${n.name}(…)`);
        if (Math.abs(result) > Number.MAX_SAFE_INTEGER && !VALUE_PRESERVING.has(n.name)) {
          const exact = n.name === 'pow' ? exactBinary('^', args[0]!, args[1]!, result)
            : n.name === 'factorial' ? factorialBig(args[0]!) === BigInt(result) : false;
          if (!exact) flags.approximate = true;
        }
        return result;
      }
      case 'binary': {
        if (typeof n.op !== 'string' || !BINARY_OPS.has(n.op)) throw reject('unknown binary operator');
        const a = walk(n.left);
        const b = walk(n.right);
        const result = binary(n.op, a, b);
        if (Math.abs(result) > Number.MAX_SAFE_INTEGER && !exactBinary(n.op, a, b, result)) flags.approximate = true;
        return result;
      }
      default:
        throw reject('unknown expression node');
    }
  };
  const binary = (op: string, a: number, b: number): number => {
    switch (op) {
      case '+': return check(a + b, 'a sum');
      case '-': return check(a - b, 'a difference');
      case '*': return check(a * b, 'a product');
      case '/':
        if (b === 0) throw domain('division by zero');
        return check(a / b, 'a quotient');
      case '%':
        if (b === 0) throw domain('modulo by zero');
        return check(a % b, 'a remainder');
      default:
        return check(Math.pow(a, b), 'a power');
    }
  };
  return walk(node);
}

/** Parses and evaluates an arithmetic expression. */
export function calculate(source: string, limits: ExpressionLimits = DEFAULT_LIMITS): number {
  return evaluate(parseExpression(source, limits), limits);
}
