/**
 * Locates the first syntax error in a JSON text, for messages that name `file:line:column` (V8's JSON.parse
 * messages do not always give a position). Only called on text JSON.parse has rejected.
 */

/** A syntax error at a character offset. */
export interface JsonSyntaxError {
  readonly offset: number;
  readonly reason: string;
}

const LITERALS = ['true', 'false', 'null'];
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Failure {
  constructor(readonly error: JsonSyntaxError) {}
}

/** Recursive-descent scanner over the JSON grammar that stops at the first error. */
class Scanner {
  pos = 0;

  constructor(private readonly text: string) {}

  fail(reason: string, offset = this.pos): never {
    throw new Failure({ offset, reason });
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  /** What stands at the current position, for "expected X, found Y". */
  found(): string {
    const char = this.peek();
    if (char === undefined) return 'end of input';
    if (char === '/' && /[/*]/.test(this.text[this.pos + 1] ?? '')) return 'a comment (JSON has none)';
    if (char === "'") return `"'" (JSON strings use double quotes)`;
    return JSON.stringify(char);
  }

  skipSpace(): void {
    while (/[ \t\n\r]/.test(this.peek() ?? '')) this.pos++;
  }

  document(): void {
    this.value();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(`unexpected ${this.found()} after the end of the JSON value`);
  }

  value(): void {
    this.skipSpace();
    const char = this.peek();
    if (char === '{') return this.object();
    if (char === '[') return this.array();
    if (char === '"') return this.string();
    if (char === '-' || /\d/.test(char ?? '')) return this.number();
    const literal = LITERALS.find((word) => this.text.startsWith(word, this.pos));
    if (literal === undefined) this.fail(`expected a value, found ${this.found()}`);
    this.pos += literal.length;
  }

  object(): void {
    this.pos++;
    this.members('}', () => {
      if (this.peek() !== '"') this.fail(`expected a property name in double quotes, found ${this.found()}`);
      this.string();
      this.skipSpace();
      if (this.peek() !== ':') this.fail(`expected ':' after the property name, found ${this.found()}`);
      this.pos++;
      this.value();
    });
  }

  array(): void {
    this.pos++;
    this.members(']', () => this.value());
  }

  /** Comma-separated members up to `close`; rejects trailing commas as JSON does. */
  members(close: string, member: () => void): void {
    this.skipSpace();
    if (this.peek() === close) {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipSpace();
      if (this.peek() === close) this.fail(`trailing comma before '${close}'`);
      member();
      this.skipSpace();
      if (this.peek() === close) break;
      if (this.peek() !== ',') this.fail(`expected ',' or '${close}', found ${this.found()}`);
      this.pos++;
    }
    this.pos++;
  }

  string(): void {
    this.pos++;
    for (let char = this.peek(); char !== '"'; char = this.peek()) {
      if (char === undefined) this.fail('unterminated string');
      if (char < ' ') this.fail(`control character ${JSON.stringify(char)} in a string (escape it)`);
      if (char === '\\') this.escape();
      else this.pos++;
    }
    this.pos++;
  }

  escape(): void {
    const code = this.text[this.pos + 1] ?? '';
    if (code === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) this.pos += 6;
    else if (ESCAPES.has(code)) this.pos += 2;
    else this.fail(`invalid escape '\\${code}'`);
  }

  number(): void {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null) this.fail('invalid number');
    this.pos += match[0].length;
  }
}

/** The first syntax error in `text`, or undefined when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    new Scanner(text).document();
    return undefined;
  } catch (failure) {
    if (failure instanceof Failure) return failure.error;
    throw failure;
  }
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}
