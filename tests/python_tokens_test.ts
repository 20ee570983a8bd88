/** The Python tokenizer for highlighting (`lib/python_tokens.ts`). */
import { assert, assertEquals } from "@std/assert";
import { fromFileUrl } from "@std/path";
import {
  START_STATE,
  type Token,
  tokenizeLine,
  tokenizeLines,
  type TokenKind,
} from "../lib/python_tokens.ts";

const FIXTURES = fromFileUrl(new URL("./fixtures/", import.meta.url));

/** The tokens of one line as `kind:text` pairs, without plain text. */
function marked(line: string): string[] {
  return tokenizeLine(line, START_STATE).tokens
    .filter((t) => t.kind !== "text")
    .map((t) => `${t.kind}:${t.text}`);
}

function kinds(tokens: Token[], kind: TokenKind): string[] {
  return tokens.filter((t) => t.kind === kind).map((t) => t.text);
}

Deno.test("tokenizeLine() marks keywords, built-ins and the names def and class define", () => {
  assertEquals(marked("async def fetch(self, n=len(x)):"), [
    "keyword:async",
    "keyword:def",
    "definition:fetch",
    "builtin:self",
    "builtin:len",
  ]);
  assertEquals(marked("class Cart(Base, metaclass=type):"), [
    "keyword:class",
    "definition:Cart",
    "builtin:type",
  ]);
  assertEquals(marked("if x is not None and y in z: return True"), [
    "keyword:if",
    "keyword:is",
    "keyword:not",
    "keyword:None",
    "keyword:and",
    "keyword:in",
    "keyword:return",
    "keyword:True",
  ]);
});

Deno.test("tokenizeLine() leaves attributes that share a built-in's name as text", () => {
  assertEquals(marked("obj.len(x) + obj . list + len(y)"), ["builtin:len"]);
});

Deno.test("tokenizeLine() knows the soft keywords only where they start a statement", () => {
  assertEquals(marked("match command.split():"), ["keyword:match"]);
  assertEquals(marked("    case [x, *rest] if x:"), [
    "keyword:case",
    "keyword:if",
  ]);
  assertEquals(marked("match = re.match(p, s)"), []);
  assertEquals(marked("match.group(1)"), ["number:1"]);
  assertEquals(marked("type Point = tuple[float, float]"), [
    "keyword:type",
    "builtin:tuple",
    "builtin:float",
    "builtin:float",
  ]);
  assertEquals(marked("type(x)"), ["builtin:type"]);
  assertEquals(marked("print(match, case)"), ["builtin:print"]);
});

Deno.test("tokenizeLine() reads numbers of every form", () => {
  assertEquals(
    kinds(
      tokenizeLine(
        "a = [0, 1_000, 0x_FF, 0o17, 0b1010, 3.14, .5, 1., 1e-3, 2.5E+10j, 7j]",
        START_STATE,
      ).tokens,
      "number",
    ),
    [
      "0",
      "1_000",
      "0x_FF",
      "0o17",
      "0b1010",
      "3.14",
      ".5",
      "1.",
      "1e-3",
      "2.5E+10j",
      "7j",
    ],
  );
  // Digits inside a name are part of the name.
  assertEquals(marked("x1 = h2o"), []);
});

Deno.test("tokenizeLine() reads strings with prefixes, escapes and comments inside", () => {
  assertEquals(marked(`s = rb'\\d+' + B"x" + u'#not a comment'  # real`), [
    "string:rb'\\d+'",
    'string:B"x"',
    "string:u'#not a comment'",
    "comment:# real",
  ]);
  assertEquals(marked(`s = "say \\"hi\\"" + r"\\""`), [
    'string:"say \\"hi\\""',
    'string:r"\\""',
  ]);
  // A name that is not a prefix is a name, then a string.
  assertEquals(marked(`xr"a"`), ['string:"a"']);
});

Deno.test("tokenizeLine() colours the code inside f-string braces, not doubled braces", () => {
  const line = `f"{{literal}} {len(items)!r:>{width}} {d['k']}"`;
  const { tokens } = tokenizeLine(line, START_STATE);
  assertEquals(tokens.map((t) => t.text).join(""), line);
  assertEquals(kinds(tokens, "builtin"), ["len"]);
  assertEquals(kinds(tokens, "string")[0], `f"{{literal}} {`);
  assert(kinds(tokens, "string").includes("'k'"));
  assertEquals(tokens.at(-1), { kind: "string", text: `}"` });
  // Without the f, braces are only text of the string.
  assertEquals(marked(`"{len(x)}"`), [`string:"{len(x)}"`]);
});

Deno.test("tokenizeLines() carries triple-quoted strings across lines", () => {
  const lines = [
    "def f():",
    '    """Docstring with "quotes" and',
    "    # not a comment, def not a keyword",
    '    ends here""" ; x = 1  # comment',
    "    y = '''a''' + '''",
    "    b'''",
  ];
  const tokens = tokenizeLines(lines);
  assertEquals(marked(lines[0]!), ["keyword:def", "definition:f"]);
  assertEquals(tokens[1]!.map((t) => t.kind), ["text", "string"]);
  assertEquals(tokens[2]!, [{ kind: "string", text: lines[2]! }]);
  assertEquals(tokens[3]!.map((t) => t.kind), [
    "string",
    "text",
    "number",
    "text",
    "comment",
  ]);
  assertEquals(kinds(tokens[4]!, "string"), ["'''a'''", "'''"]);
  assertEquals(tokens[5]!, [{ kind: "string", text: "    b'''" }]);
});

Deno.test("tokenizeLines() continues a one-quote string only after a backslash", () => {
  const tokens = tokenizeLines([
    's = "one \\',
    'two" + x',
    'bad = "open',
    "x = 1",
  ]);
  assertEquals(tokens[1]!.map((t) => t.kind), ["string", "text"]);
  // An unclosed string without a backslash ends with its line.
  assertEquals(tokens[3]!.map((t) => t.kind), ["text", "number"]);
});

Deno.test("tokenizeLines() carries an open f-string and still finds its braces", () => {
  const tokens = tokenizeLines([
    'msg = f"""Total: {total:.2f}',
    'for {len(items)} items"""',
  ]);
  assertEquals(kinds(tokens[1]!, "builtin"), ["len"]);
  assertEquals(tokens[1]!.at(-1), { kind: "string", text: '} items"""' });
});

Deno.test("tokenizeLine() marks decorators at the start of a line, @ elsewhere is an operator", () => {
  assertEquals(marked("@functools.lru_cache(maxsize=None)"), [
    "decorator:@functools.lru_cache",
    "keyword:None",
  ]);
  assertEquals(marked("    @ property"), ["decorator:@ property"]);
  assertEquals(marked("c = a @ b"), []);
});

Deno.test("tokenizeLine() reads names in any script", () => {
  assertEquals(marked("def größe(ñ): return ñ"), [
    "keyword:def",
    "definition:größe",
    "keyword:return",
  ]);
});

Deno.test("tokenizeLines() gives back every line exactly, on the fixtures' real Python", async () => {
  const files = [
    "workload.py",
    "tree_workload.py",
    "shop_main.py",
    "wide_calls.py",
  ];
  for await (const entry of Deno.readDir(`${FIXTURES}shop`)) {
    if (entry.isDirectory) {
      for await (const inner of Deno.readDir(`${FIXTURES}shop/${entry.name}`)) {
        if (inner.name.endsWith(".py")) {
          files.push(`shop/${entry.name}/${inner.name}`);
        }
      }
    }
  }
  let keywords = 0;
  for (const file of files) {
    const lines = (await Deno.readTextFile(FIXTURES + file)).split("\n");
    const tokens = tokenizeLines(lines);
    tokens.forEach((line, i) => {
      assertEquals(
        line.map((t) => t.text).join(""),
        lines[i],
        `${file}:${i + 1}`,
      );
      assert(line.every((t) => t.text !== ""), `${file}:${i + 1}`);
    });
    keywords += tokens.flat().filter((t) => t.kind === "keyword").length;
  }
  assert(keywords > 50, `${keywords} keywords`);
});

Deno.test("tokenizeLines() gives back every line of hostile text exactly", () => {
  const lines = [
    "\u0000\uffff\ud800 '''\\",
    'f"{',
    "}}}{{{",
    "0x 0b2 1__0 ..5 ...",
    '"\\',
    "'",
    "@",
    "x.",
    "  \t\f\v",
    "#",
    "𝔘𝔫𝔦 = '𝔠𝔬𝔡𝔢'",
  ];
  const tokens = tokenizeLines(lines);
  tokens.forEach((line, i) => {
    assertEquals(line.map((t) => t.text).join(""), lines[i]);
  });
});
