/**
 * Choosing and running the editor (`lib/editor.ts`, `lib/editor_launch.ts`):
 * each known editor's line syntax, shell-like splitting without a shell,
 * editor URLs, and a stub editor that records the arguments it was given.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import {
  checkEditorUrl,
  chooseEditor,
  editorCommand,
  expandEditorUrl,
  splitCommand,
} from "../lib/editor.ts";
import { EditorLauncher } from "../lib/editor_launch.ts";
import { writeStubEditor } from "./_stub_editor.ts";

Deno.test("splitCommand() splits like a shell without expanding anything", () => {
  assertEquals(splitCommand("  code   -w  "), ["code", "-w"]);
  assertEquals(splitCommand(`a'b c'd "e \\"f\\" \\n" g\\ h ''`), [
    "ab cd",
    'e "f" \\n',
    "g h",
    "",
  ]);
  assertEquals(splitCommand("vim; rm -rf / $(id) `id` | x"), [
    "vim;",
    "rm",
    "-rf",
    "/",
    "$(id)",
    "`id`",
    "|",
    "x",
  ]);
  assertThrows(() => splitCommand("code 'x"), SyntaxError, "Unclosed '");
  assertThrows(() => splitCommand('code "x'), SyntaxError, 'Unclosed "');
});

Deno.test("chooseEditor() takes --editor, then PROFILING_EXPLORER_EDITOR, VISUAL, EDITOR", () => {
  const env: Record<string, string> = {
    PROFILING_EXPLORER_EDITOR: "zed",
    VISUAL: "code",
    EDITOR: "vim",
  };
  const read = (name: string) => env[name];
  assertEquals(chooseEditor("subl", read)?.from, "--editor");
  assertEquals(
    chooseEditor(undefined, read)?.from,
    "PROFILING_EXPLORER_EDITOR",
  );
  env.PROFILING_EXPLORER_EDITOR = "   ";
  assertEquals(chooseEditor(undefined, read)?.command, ["code"]);
  delete env.VISUAL;
  assertEquals(chooseEditor(undefined, read), {
    command: ["vim"],
    from: "EDITOR",
  });
  delete env.EDITOR;
  assertEquals(chooseEditor("", read), null);
});

Deno.test("editorCommand() knows each editor's way to a line", () => {
  const argv = (command: string) =>
    editorCommand(splitCommand(command), "/p/app.py", 42).argv.slice(1);
  const cases: [string, string[]][] = [
    ["code", ["--goto", "/p/app.py:42"]],
    ["code -r", ["-r", "--goto", "/p/app.py:42"]],
    ["cursor", ["--goto", "/p/app.py:42"]],
    ["codium", ["--goto", "/p/app.py:42"]],
    ["/usr/bin/code-insiders", ["--goto", "/p/app.py:42"]],
    ["pycharm", ["--line", "42", "/p/app.py"]],
    ["charm", ["--line", "42", "/p/app.py"]],
    ["idea64.exe", ["--line", "42", "/p/app.py"]],
    ["webstorm", ["--line", "42", "/p/app.py"]],
    ["subl", ["/p/app.py:42"]],
    ["zed", ["/p/app.py:42"]],
    ["vim", ["+42", "/p/app.py"]],
    ["nvim", ["+42", "/p/app.py"]],
    ["gvim -f", ["-f", "+42", "/p/app.py"]],
    ["nano", ["+42", "/p/app.py"]],
    ["emacs", ["+42", "/p/app.py"]],
    ["emacsclient", ["-n", "+42", "/p/app.py"]],
    ["emacsclient -t", ["-t", "+42", "/p/app.py"]],
    ["mate", ["-l", "42", "/p/app.py"]],
    ["kate", ["--line", "42", "/p/app.py"]],
    ["notepad++", ["-n42", "/p/app.py"]],
    ["some-editor", ["/p/app.py"]],
  ];
  for (const [command, expected] of cases) {
    assertEquals(argv(command), expected, command);
  }
});

Deno.test("editorCommand() knows which editors need a terminal", () => {
  const terminal = (command: string, hasDisplay = true) =>
    editorCommand(splitCommand(command), "/p/a.py", 1, { hasDisplay }).terminal;
  assertEquals(
    ["vim", "nvim", "vi", "nano", "micro", "hx", "kak"].map((c) => terminal(c)),
    [true, true, true, true, true, true, true],
  );
  assertEquals(
    ["code", "gvim", "pycharm", "subl", "zed", "emacs", "emacsclient", "mate"]
      .map((c) => terminal(c)),
    [false, false, false, false, false, false, false, false],
  );
  assertEquals(
    [
      terminal("emacs -nw"),
      terminal("emacs", false),
      terminal("emacsclient -t"),
    ],
    [true, true, true],
  );
});

Deno.test("editorCommand() fills {file} and {line} into any command, adding nothing", () => {
  const launch = editorCommand(
    ["my editor", "--goto={file}@{line}", "--title", "x"],
    "/p/a b.py",
    7,
  );
  assertEquals(launch.argv, [
    "my editor",
    "--goto=/p/a b.py@7",
    "--title",
    "x",
  ]);
  assertEquals(launch.withLine, true);
  assertEquals(editorCommand(["unknown"], "/p/a.py", 7).withLine, false);
  // A hostile file name stays one argument.
  assertEquals(
    editorCommand(["code"], "/p/$(rm -rf ~); x.py", 0).argv,
    ["code", "--goto", "/p/$(rm -rf ~); x.py:1"],
  );
});

Deno.test("checkEditorUrl() refuses script URLs, unknown placeholders and a template without {path}", () => {
  checkEditorUrl("vscode://file/{path}:{line}:{column}");
  checkEditorUrl("pycharm://open?file={path}&line={line}");
  for (
    const [template, words] of [
      ["JavaScript:alert({path})", "not followed"],
      ["data:text/html,{path}", "not followed"],
      ["/relative/{path}", "scheme"],
      ["vscode://file/{path}:{lineno}", "{lineno}"],
      ["vscode://file/", "{path}"],
    ]
  ) {
    assertThrows(() => checkEditorUrl(template!), SyntaxError, words);
  }
});

Deno.test("expandEditorUrl() encodes each path segment and keeps slashes and the drive", () => {
  assertEquals(
    expandEditorUrl("vscode://file/{path}:{line}:{column}", "/a/ü?&#%.py", 3),
    "vscode://file/a/%C3%BC%3F%26%23%25.py:3:1",
  );
  assertEquals(
    expandEditorUrl("vscode://file{path}:{line}", "/a/x.py", 3),
    "vscode://file/a/x.py:3",
  );
  assertEquals(
    expandEditorUrl("idea://open?file={path}&line={line}", "D:\\w s\\x.py", 9),
    "idea://open?file=D:/w%20s/x.py&line=9",
  );
});

/** A stub editor: a script that writes its arguments, one per line, to a file. */
async function withStubEditor(
  body: (stub: string, record: string) => Promise<void>,
  exitCode = 0,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const { stub, record } = await writeStubEditor(dir, exitCode);
  try {
    await body(stub, record);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name:
    "EditorLauncher runs the editor with its arguments, never through a shell",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await withStubEditor(async (stub, record) => {
      const launcher = new EditorLauncher({ hasTerminal: false });
      const file = "/p/it's $(touch pwned) `x`; a.py";
      const outcome = await launcher.launch(
        editorCommand([stub, "--flag"], file, 12),
      );
      assertEquals(outcome.ok, true);
      assertEquals(
        outcome.message,
        "Opened in stub-editor (without the line: stub-editor's way of taking a line is not known; set --editor with {file} and {line})",
      );
      assertEquals(await Deno.readTextFile(record), `--flag\n${file}\n`);
      const withLine = await launcher.launch(
        editorCommand([stub, "{line}", "{file}"], "/p/a.py", 12),
      );
      assertEquals(withLine, { ok: true, message: "Opened in stub-editor" });
      assertEquals(await Deno.readTextFile(record), "12\n/p/a.py\n");
    });
  },
});

Deno.test({
  name: "EditorLauncher reports an editor that fails at once",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await withStubEditor(async (stub) => {
      const outcome = await new EditorLauncher({ hasTerminal: false }).launch(
        editorCommand([stub, "{file}"], "/p/a.py", 1),
      );
      assertEquals(outcome.ok, false);
      assert(
        outcome.message.startsWith("stub-editor failed (exit code 3)"),
        outcome.message,
      );
    }, 3);
  },
});

Deno.test("EditorLauncher reports an editor that is not installed", async () => {
  const outcome = await new EditorLauncher({ hasTerminal: false }).launch(
    editorCommand(["no-such-editor-here"], "/p/a.py", 1),
  );
  assertEquals(outcome, {
    ok: false,
    message:
      'The editor "no-such-editor-here" was not found: install it, or set --editor or $EDITOR to one that is',
  });
});

Deno.test("EditorLauncher refuses a terminal editor when the server has no terminal", async () => {
  const outcome = await new EditorLauncher({ hasTerminal: false }).launch(
    editorCommand(["vim"], "/p/a.py", 1),
  );
  assertEquals(outcome.ok, false);
  assert(
    outcome.message.startsWith(
      "vim runs in a terminal, and the server has none",
    ),
  );
});

Deno.test({
  name:
    "EditorLauncher runs one terminal editor at a time in the server's terminal",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    // `sleep` stands in for a terminal editor: it is marked as one by hand.
    const launcher = new EditorLauncher({ hasTerminal: true });
    const launch = {
      argv: ["sleep", "0.3"],
      name: "vim",
      terminal: true,
      withLine: true,
    };
    assertEquals(await launcher.launch(launch), {
      ok: true,
      message: "Opened in vim in the server's terminal",
    });
    assertEquals(await launcher.launch(launch), {
      ok: false,
      message: "vim is still open in the server's terminal: close it first",
    });
    await new Promise((resolve) => setTimeout(resolve, 600));
    assertEquals(
      (await launcher.launch({ ...launch, argv: ["true"] })).ok,
      true,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
  },
});
