/**
 * EventBridge event patterns (`eventRuleFilterPattern`), compiled once and then matched against many events.
 *
 * Follows Alibaba Cloud EventBridge's "Event patterns" page (help.aliyun.com document 181432; cloud-facts EV-21):
 * a pattern has the nested structure of the events it matches; keys are ANDed, the values listed for one key are
 * ORed; strings match case-sensitively and unchanged. Operators there, and only these: exact values (incl. `null`
 * and `""`), `prefix`, `suffix`, `contains`, `anything-but` (a value, a list, or `{prefix}`), `numeric`, `cidr`
 * (IPv4 only) and `exists`. AWS's `equals-ignore-case`, `wildcard`, `$or` and nested `anything-but` forms are not
 * in Alibaba's table and are refused. At most 5 operator objects per field (the "stringExpression" limit,
 * cloud-facts EV-23).
 *
 * Inferred where the docs say nothing (cloud-facts EV-22):
 * - A field whose event value is an array matches when any element does (AWS documents this; Alibaba lists
 *   "array" matching without detail). A nested pattern matches an array of objects when any element does.
 * - Exact values are type-strict (`300` does not match `"300"`). Alibaba says numbers are compared as their text
 *   (`300` ≠ `300.0`); a parsed JSON event cannot tell those apart, so numbers compare by value here.
 * - An absent field satisfies only `{"exists": false}`; every value condition (including `anything-but`) needs
 *   the field to be present.
 */

type Scalar = string | number | boolean | null;

type Condition =
  | { op: 'equals'; value: Scalar }
  | { op: 'prefix' | 'suffix' | 'contains'; value: string }
  | { op: 'anything-but'; values: ReadonlyArray<string | number> }
  | { op: 'anything-but-prefix'; prefix: string }
  | { op: 'exists'; exists: boolean }
  | { op: 'numeric'; lower?: Bound; upper?: Bound; equals?: number }
  | { op: 'cidr'; network: number; mask: number };

interface Bound {
  value: number;
  inclusive: boolean;
}

type PatternNode =
  | { kind: 'object'; fields: ReadonlyArray<readonly [string, PatternNode]> }
  | { kind: 'leaf'; conditions: readonly Condition[] };

/** A pattern that could not be compiled; `field` is the dotted path of the offending part (`data.eventName[2]`). */
export class EventPatternError extends Error {
  override readonly name = 'EventPatternError';
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`invalid event pattern at ${field === '' ? 'its root' : JSON.stringify(field)}: ${detail}`);
  }
}

export interface EventMatcher {
  /** Whether the event (a parsed JSON object) matches; anything but a plain object never does. */
  matches(event: unknown): boolean;
}

/** Compiles a parsed pattern; throws `EventPatternError` naming the field when it is invalid. */
export function compileEventPattern(pattern: unknown): EventMatcher {
  if (!isPlainObject(pattern)) throw new EventPatternError('', 'a pattern must be a JSON object');
  // `{}` has no conditions and matches every event (the FC console's default for an MNS source).
  const root = compileObject(pattern, '');
  return { matches: (event) => isPlainObject(event) && matchObject(root, event) };
}

/** Parses and compiles a pattern given as JSON text. */
export function compileEventPatternText(text: string): EventMatcher {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new EventPatternError('', `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return compileEventPattern(parsed);
}

// ---- compiling ----

function compileObject(
  pattern: Record<string, unknown>,
  path: string,
): Extract<PatternNode, { kind: 'object' }> {
  const fields: Array<readonly [string, PatternNode]> = [];
  for (const [key, value] of Object.entries(pattern)) {
    const at = path === '' ? key : `${path}.${key}`;
    if (key === '') throw new EventPatternError(at, 'field names must not be empty');
    if (Array.isArray(value)) {
      fields.push([key, { kind: 'leaf', conditions: compileConditions(value, at) }]);
    } else if (isPlainObject(value)) {
      if (Object.keys(value).length === 0) {
        throw new EventPatternError(at, 'an empty object has no conditions; remove it or add fields');
      }
      fields.push([key, compileObject(value, at)]);
    } else {
      throw new EventPatternError(
        at,
        `must be an array of values or a nested object, got ${describe(value)} (write [${JSON.stringify(value)}])`,
      );
    }
  }
  return { kind: 'object', fields };
}

/** EventBridge limits: "each field can contain up to 5 expressions (map structure)" (cloud-facts EV-23). */
const MAX_OPERATORS_PER_FIELD = 5;

function compileConditions(values: readonly unknown[], path: string): Condition[] {
  if (values.length === 0) throw new EventPatternError(path, 'an empty list matches nothing');
  const operators = values.filter(isPlainObject).length;
  if (operators > MAX_OPERATORS_PER_FIELD) {
    throw new EventPatternError(
      path,
      `${operators} operator objects; EventBridge allows at most ${MAX_OPERATORS_PER_FIELD} per field`,
    );
  }
  return values.map((value, index) => compileCondition(value, `${path}[${index}]`));
}

function compileCondition(value: unknown, path: string): Condition {
  if (value === null || typeof value === 'string' || typeof value === 'boolean')
    return { op: 'equals', value };
  if (typeof value === 'number') return { op: 'equals', value: finite(value, path) };
  if (Array.isArray(value))
    throw new EventPatternError(path, 'lists do not nest; list the values side by side');
  if (!isPlainObject(value)) throw new EventPatternError(path, `unsupported value ${describe(value)}`);
  const keys = Object.keys(value);
  const [op] = keys;
  if (op === undefined || keys.length !== 1) {
    throw new EventPatternError(path, `an operator object has exactly one key, got ${keys.length}`);
  }
  const operand = value[op];
  const at = `${path}.${op}`;
  switch (op) {
    case 'prefix':
    case 'suffix':
    case 'contains':
      return { op, value: nonEmptyString(operand, at) };
    case 'anything-but':
      return compileAnythingBut(operand, at);
    case 'exists':
      if (typeof operand !== 'boolean')
        throw new EventPatternError(at, `must be true or false, got ${describe(operand)}`);
      return { op, exists: operand };
    case 'numeric':
      return compileNumeric(operand, at);
    case 'cidr':
      return compileCidr(operand, at);
    default:
      throw new EventPatternError(
        path,
        `unknown operator ${JSON.stringify(op)} (Alibaba EventBridge knows: prefix, suffix, contains, anything-but, exists, numeric, cidr)`,
      );
  }
}

function compileAnythingBut(operand: unknown, path: string): Condition {
  if (typeof operand === 'string') return { op: 'anything-but', values: [operand] };
  if (typeof operand === 'number') return { op: 'anything-but', values: [finite(operand, path)] };
  if (Array.isArray(operand)) {
    if (operand.length === 0) throw new EventPatternError(path, 'an empty list excludes nothing');
    return {
      op: 'anything-but',
      values: operand.map((item, index) => {
        if (typeof item === 'string') return item;
        if (typeof item === 'number') return finite(item, `${path}[${index}]`);
        throw new EventPatternError(
          `${path}[${index}]`,
          `must be a string or a number, got ${describe(item)}`,
        );
      }),
    };
  }
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length === 1 && keys[0] === 'prefix') {
      return { op: 'anything-but-prefix', prefix: nonEmptyString(operand.prefix, `${path}.prefix`) };
    }
    // Alibaba documents only {prefix} inside anything-but (AWS also has suffix, equals-ignore-case, wildcard).
    throw new EventPatternError(
      path,
      `only {"prefix": "..."} may be nested in anything-but, got ${JSON.stringify(keys)}`,
    );
  }
  throw new EventPatternError(
    path,
    `must be a string, a number, a list of them or {"prefix": ...}, got ${describe(operand)}`,
  );
}

function compileNumeric(operand: unknown, path: string): Condition {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0) {
    throw new EventPatternError(path, 'must be a list of operator/number pairs, e.g. [">", 0, "<=", 5]');
  }
  const condition: { op: 'numeric'; lower?: Bound; upper?: Bound; equals?: number } = { op: 'numeric' };
  for (let index = 0; index < operand.length; index += 2) {
    const comparison: unknown = operand[index];
    const raw: unknown = operand[index + 1];
    if (typeof raw !== 'number') {
      throw new EventPatternError(`${path}[${index + 1}]`, `must be a number, got ${describe(raw)}`);
    }
    const value = finite(raw, `${path}[${index + 1}]`);
    const at = `${path}[${index}]`;
    switch (comparison) {
      case '=':
        if (operand.length !== 2) throw new EventPatternError(at, '"=" cannot be combined with a range');
        condition.equals = value;
        break;
      case '>':
      case '>=':
        if (condition.lower) throw new EventPatternError(at, 'a range has at most one lower bound');
        condition.lower = { value, inclusive: comparison === '>=' };
        break;
      case '<':
      case '<=':
        if (condition.upper) throw new EventPatternError(at, 'a range has at most one upper bound');
        condition.upper = { value, inclusive: comparison === '<=' };
        break;
      default:
        throw new EventPatternError(at, `unknown comparison ${describe(comparison)} (use =, <, <=, >, >=)`);
    }
  }
  if (condition.lower && condition.upper && condition.lower.value >= condition.upper.value) {
    throw new EventPatternError(path, 'the lower bound must be below the upper bound');
  }
  return condition;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function compileCidr(operand: unknown, path: string): Condition {
  if (typeof operand !== 'string')
    throw new EventPatternError(path, `must be a string, got ${describe(operand)}`);
  const [address, bits, extra] = operand.split('/');
  const network = address === undefined ? undefined : parseIpv4(address);
  const prefix = bits !== undefined && /^\d{1,2}$/.test(bits) ? Number(bits) : Number.NaN;
  if (network === undefined || extra !== undefined || !(prefix >= 0 && prefix <= 32)) {
    // Alibaba: "IPv4 only".
    throw new EventPatternError(
      path,
      `${JSON.stringify(operand)} is not an IPv4 CIDR block such as 10.0.0.0/24`,
    );
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { op: 'cidr', network: (network & mask) >>> 0, mask };
}

function parseIpv4(text: string): number | undefined {
  const match = IPV4.exec(text);
  if (!match) return undefined;
  let value = 0;
  for (const part of match.slice(1)) {
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

function nonEmptyString(value: unknown, path: string): string {
  if (typeof value !== 'string')
    throw new EventPatternError(path, `must be a string, got ${describe(value)}`);
  if (value === '') throw new EventPatternError(path, 'must not be empty');
  return value;
}

function finite(value: number, path: string): number {
  if (!Number.isFinite(value)) throw new EventPatternError(path, 'must be a finite number');
  return value;
}

// ---- matching ----

const ABSENT: unique symbol = Symbol('absent');
type Slot = unknown | typeof ABSENT;

function matchObject(
  node: Extract<PatternNode, { kind: 'object' }>,
  event: Record<string, unknown>,
): boolean {
  for (const [key, child] of node.fields) {
    const value: Slot = Object.hasOwn(event, key) ? event[key] : ABSENT;
    if (!matchNode(child, value)) return false;
  }
  return true;
}

function matchNode(node: PatternNode, value: Slot): boolean {
  if (node.kind === 'leaf') return node.conditions.some((condition) => matchCondition(condition, value));
  if (isPlainObject(value)) return matchObject(node, value);
  if (Array.isArray(value)) return value.some((item) => isPlainObject(item) && matchObject(node, item));
  // Absent (or a scalar where the pattern expects an object): only `exists: false` leaves can still hold.
  return matchObject(node, {});
}

function matchCondition(condition: Condition, value: Slot): boolean {
  if (condition.op === 'exists') return condition.exists === (value !== ABSENT);
  if (value === ABSENT) return false;
  if (Array.isArray(value)) return value.some((item) => matchScalar(condition, item));
  return matchScalar(condition, value);
}

function matchScalar(condition: Exclude<Condition, { op: 'exists' }>, value: unknown): boolean {
  switch (condition.op) {
    case 'equals':
      return value === condition.value;
    case 'prefix':
      return typeof value === 'string' && value.startsWith(condition.value);
    case 'suffix':
      return typeof value === 'string' && value.endsWith(condition.value);
    case 'contains':
      return typeof value === 'string' && value.includes(condition.value);
    case 'anything-but':
      return isScalar(value) && !condition.values.includes(value as string | number);
    case 'anything-but-prefix':
      return typeof value === 'string' && !value.startsWith(condition.prefix);
    case 'numeric':
      return typeof value === 'number' && inRange(condition, value);
    case 'cidr': {
      const address = typeof value === 'string' ? parseIpv4(value) : undefined;
      return address !== undefined && (address & condition.mask) >>> 0 === condition.network;
    }
  }
}

function inRange(condition: Extract<Condition, { op: 'numeric' }>, value: number): boolean {
  if (condition.equals !== undefined) return value === condition.equals;
  const { lower, upper } = condition;
  if (lower && (lower.inclusive ? value < lower.value : value <= lower.value)) return false;
  if (upper && (upper.inclusive ? value > upper.value : value >= upper.value)) return false;
  return true;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
