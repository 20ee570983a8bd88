/**
 * A small Python tokenizer for syntax highlighting: it cuts each line into
 * tokens whose texts put together give the line back, and carries a state
 * from line to line for strings that span lines. It returns tokens, never
 * markup; the page draws them (with lit-html, which escapes them).
 *
 * It knows keywords (and the soft keywords `match`, `case` and `type` where
 * they start a statement), built-in functions, types and exceptions (not
 * after a `.`), strings with any prefix (`r`, `b`, `u`, `f`, `t` and their
 * pairs) including triple-quoted ones spanning lines and backslash
 * continuations, the code inside f-string braces (roughly: one line at a
 * time, `{{` and `}}` kept as text), comments, numbers (hex, octal, binary,
 * floats, exponents, `_` separators, imaginary `j`), decorators, and the
 * names that `def` and `class` define. Everything else is `text`.
 *
 * It never fails: text that is not Python comes out as tokens all the same.
 *
 * @module
 */

/** What a token is, for its colour. */
export type TokenKind =
  | "text"
  | "keyword"
  | "builtin"
  | "string"
  | "comment"
  | "number"
  | "decorator"
  | "definition";

/** A piece of a line. */
export interface Token {
  /** What it is. */
  readonly kind: TokenKind;
  /** Its text. */
  readonly text: string;
}

/** What carries over from one line to the next: an open string. */
export interface TokenState {
  /** The string left open at the end of the line, `null` when none. */
  readonly string: OpenString | null;
}

/** A string that continues on the next line. */
export interface OpenString {
  /** Its quote: `'''`, `"""`, or `'` / `"` continued by a backslash. */
  readonly quote: "'''" | '"""' | "'" | '"';
  /** Whether it is an f-string (or t-string), with code in braces. */
  readonly format: boolean;
}

/** The state at the start of a file. */
export const START_STATE: TokenState = { string: null };

const _KEYWORDS = new Set(
  ("False None True and as assert async await break class continue def del " +
    "elif else except finally for from global if import in is lambda " +
    "nonlocal not or pass raise return try while with yield").split(" "),
);

const _BUILTINS = new Set(
  ("abs aiter all anext any ascii bin bool breakpoint bytearray bytes " +
    "callable chr classmethod compile complex delattr dict dir divmod " +
    "enumerate eval exec filter float format frozenset getattr globals " +
    "hasattr hash help hex id input int isinstance issubclass iter len list " +
    "locals map max memoryview min next object oct open ord pow print " +
    "property range repr reversed round set setattr slice sorted " +
    "staticmethod str sum super tuple type vars zip __import__ " +
    "NotImplemented Ellipsis __name__ __file__ __doc__ self cls " +
    "BaseException BaseExceptionGroup Exception ExceptionGroup " +
    "ArithmeticError AssertionError AttributeError BufferError EOFError " +
    "FileExistsError FileNotFoundError FloatingPointError GeneratorExit " +
    "ImportError IndentationError IndexError KeyError KeyboardInterrupt " +
    "LookupError MemoryError ModuleNotFoundError NameError " +
    "NotImplementedError OSError OverflowError PermissionError " +
    "RecursionError ReferenceError RuntimeError StopAsyncIteration " +
    "StopIteration SyntaxError SystemError SystemExit TabError " +
    "TimeoutError TypeError UnboundLocalError UnicodeDecodeError " +
    "UnicodeEncodeError UnicodeError ValueError ZeroDivisionError " +
    "Warning DeprecationWarning RuntimeWarning UserWarning").split(" "),
);

const _PREFIXES = new Set(
  ["", "r", "u", "b", "f", "t", "br", "rb", "fr", "rf", "tr", "rt"],
);

const _IDENTIFIER = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/uy;
const _NUMBER =
  /0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?[jJ]?/y;
const _DECORATOR =
  /@[ \t]*[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}.]*/uy;
const _SPACE = /[ \t\f\v]+/y;

/**
 * Cuts one line into tokens, starting in `state` (an open string from the
 * lines before), and gives the state for the next line.
 *
 * @example
 * ```ts
 * import { START_STATE, tokenizeLine } from "./python_tokens.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const { tokens, state } = tokenizeLine('def f(x):  # "hi"', START_STATE);
 * assertEquals(tokens, [
 *   { kind: "keyword", text: "def" },
 *   { kind: "text", text: " " },
 *   { kind: "definition", text: "f" },
 *   { kind: "text", text: "(x):  " },
 *   { kind: "comment", text: '# "hi"' },
 * ]);
 * assertEquals(state, START_STATE);
 * const open = tokenizeLine('s = """doc', START_STATE).state;
 * assertEquals(tokenizeLine('end""" + x', open).tokens[0], {
 *   kind: "string",
 *   text: 'end"""',
 * });
 * ```
 *
 * @param line The line, without its line end.
 * @param state The state the line before left.
 * @returns The tokens and the state for the next line.
 */
export function tokenizeLine(
  line: string,
  state: TokenState,
): { tokens: Token[]; state: TokenState } {
  const out = new _Tokens();
  let pos = 0;
  let open: OpenString | null = null;
  if (state.string !== null) {
    const end = _stringBody(line, 0, state.string, out);
    if (end < 0) {
      const goesOn = state.string.quote.length === 3 ||
        _endsWithOddBackslashes(line);
      return { tokens: out.list, state: goesOn ? state : START_STATE };
    }
    pos = end;
  }
  const statementStart = /^[ \t\f]*$/.test(line.slice(0, pos));
  let afterDefinitionKeyword = false;
  let firstWord = statementStart;
  while (pos < line.length) {
    const c = line[pos]!;
    _SPACE.lastIndex = pos;
    if (_SPACE.test(line)) {
      out.push("text", line.slice(pos, _SPACE.lastIndex));
      pos = _SPACE.lastIndex;
      continue;
    }
    if (c === "#") {
      out.push("comment", line.slice(pos));
      break;
    }
    if (c === "@" && firstWord) {
      _DECORATOR.lastIndex = pos;
      if (_DECORATOR.test(line)) {
        out.push("decorator", line.slice(pos, _DECORATOR.lastIndex));
        pos = _DECORATOR.lastIndex;
        firstWord = false;
        continue;
      }
    }
    if (c === "'" || c === '"') {
      const result = _string(line, pos, "", out);
      pos = result.end;
      open = result.open;
      firstWord = afterDefinitionKeyword = false;
      continue;
    }
    if (_isDigit(c) || (c === "." && _isDigit(line[pos + 1] ?? ""))) {
      _NUMBER.lastIndex = pos;
      if (_NUMBER.test(line)) {
        out.push("number", line.slice(pos, _NUMBER.lastIndex));
        pos = _NUMBER.lastIndex;
        firstWord = afterDefinitionKeyword = false;
        continue;
      }
    }
    _IDENTIFIER.lastIndex = pos;
    if (_IDENTIFIER.test(line)) {
      const end = _IDENTIFIER.lastIndex;
      const word = line.slice(pos, end);
      const next = line[end];
      if ((next === "'" || next === '"') && _PREFIXES.has(word.toLowerCase())) {
        const result = _string(line, end, word, out);
        pos = result.end;
        open = result.open;
        firstWord = afterDefinitionKeyword = false;
        continue;
      }
      const kind: TokenKind = afterDefinitionKeyword
        ? "definition"
        : _isAttribute(line, pos)
        ? "text"
        : _KEYWORDS.has(word) ||
            (firstWord && _isSoftKeyword(word, line.slice(end)))
        ? "keyword"
        : _BUILTINS.has(word)
        ? "builtin"
        : "text";
      out.push(kind, word);
      afterDefinitionKeyword = kind === "keyword" &&
        (word === "def" || word === "class");
      firstWord = kind === "keyword" && (word === "async" || word === "await")
        ? firstWord
        : false;
      pos = end;
      continue;
    }
    out.push("text", c);
    pos++;
    firstWord = afterDefinitionKeyword = false;
  }
  return {
    tokens: out.list,
    state: open === null ? START_STATE : { string: open },
  };
}

/**
 * Cuts every line of a file into tokens, carrying the state from line to
 * line.
 *
 * @example
 * ```ts
 * import { tokenizeLines } from "./python_tokens.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const lines = tokenizeLines(['x = """a', "b", '"""']);
 * assertEquals(lines.map((tokens) => tokens.map((t) => t.kind)), [
 *   ["text", "string"],
 *   ["string"],
 *   ["string"],
 * ]);
 * ```
 *
 * @param lines The file's lines.
 * @returns Per line, its tokens.
 */
export function tokenizeLines(lines: readonly string[]): Token[][] {
  let state = START_STATE;
  return lines.map((line) => {
    const result = tokenizeLine(line, state);
    state = result.state;
    return result.tokens;
  });
}

/** Tokens, with neighbours of one kind merged. */
class _Tokens {
  readonly list: Token[] = [];
  push(kind: TokenKind, text: string): void {
    if (text === "") return;
    const last = this.list[this.list.length - 1];
    if (last !== undefined && last.kind === kind) {
      this.list[this.list.length - 1] = { kind, text: last.text + text };
    } else this.list.push({ kind, text });
  }
}

/**
 * A string starting at `at` (its quote) with `prefix` before it: pushes it
 * and gives where it ends and, when it goes on past the line, how.
 */
function _string(
  line: string,
  at: number,
  prefix: string,
  out: _Tokens,
): { end: number; open: OpenString | null } {
  const q = line[at]!;
  const triple = line.startsWith(q.repeat(3), at);
  const quote = (triple ? q.repeat(3) : q) as OpenString["quote"];
  const lower = prefix.toLowerCase();
  const string: OpenString = {
    quote,
    format: lower.includes("f") || lower.includes("t"),
  };
  out.push("string", prefix + quote);
  const end = _stringBody(line, at + quote.length, string, out);
  if (end >= 0) return { end, open: null };
  // A one-quote string goes on only after a backslash at the end of the line.
  const continued = triple || _endsWithOddBackslashes(line);
  return { end: line.length, open: continued ? string : null };
}

/**
 * Pushes a string's body from `from` up to and with its closing quote, and
 * gives the position after it; -1 when the line ends first.
 */
function _stringBody(
  line: string,
  from: number,
  string: OpenString,
  out: _Tokens,
): number {
  let start = from;
  let i = from;
  while (i < line.length) {
    const c = line[i]!;
    if (c === "\\") {
      i += 2;
      continue;
    }
    if (line.startsWith(string.quote, i)) {
      out.push("string", line.slice(start, i + string.quote.length));
      return i + string.quote.length;
    }
    if (string.format && c === "{") {
      if (line[i + 1] === "{") {
        i += 2;
        continue;
      }
      const close = _closingBrace(line, i + 1, string.quote);
      if (close < 0) break;
      out.push("string", line.slice(start, i + 1));
      for (
        const token of tokenizeLine(line.slice(i + 1, close), START_STATE)
          .tokens
      ) {
        out.push(token.kind, token.text);
      }
      out.push("string", "}");
      i = start = close + 1;
      continue;
    }
    i++;
  }
  out.push("string", line.slice(start));
  return -1;
}

/**
 * Where the `}` that closes an f-string's replacement field is, from `from`
 * (after its `{`): brackets counted, strings inside skipped; -1 when not on
 * this line or when the enclosing string's quote comes first.
 */
function _closingBrace(line: string, from: number, quote: string): number {
  let depth = 0;
  for (let i = from; i < line.length; i++) {
    const c = line[i]!;
    if (quote.length === 1 && c === quote) return -1;
    if (c === "'" || c === '"') {
      if (line.startsWith(quote, i)) return -1;
      const end = line.indexOf(c, i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function _endsWithOddBackslashes(line: string): boolean {
  let n = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === "\\"; i--) n++;
  return n % 2 === 1;
}

function _isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

/** Whether the word at `at` follows a `.` (an attribute, not a name). */
function _isAttribute(line: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (line[i] === " " || line[i] === "\t")) i--;
  return line[i] === "." && line[i - 1] !== ".";
}

/**
 * Whether `match`, `case` or `type` starts a statement here, judged by
 * what follows on the line: `match x:` and `case 1:` end in a colon (and
 * are not `match = …` or `match.x`), `type X = …` names an alias.
 */
function _isSoftKeyword(word: string, rest: string): boolean {
  if (word === "match" || word === "case") {
    const code = rest.replace(/#.*$/, "").trimEnd();
    return code.endsWith(":") && /^[ \t]*[^ \t=.,)\]:]/.test(rest) &&
      !/^[ \t]*[=!<>+\-*/%&|^]=/.test(rest);
  }
  if (word === "type") {
    return /^[ \t]+[\p{L}_][\p{L}\p{N}_]*[ \t]*(?:\[.*\])?[ \t]*=(?!=)/u.test(
      rest,
    );
  }
  return false;
}
