/**
 * The rules for reading a profiled program's source (`lib/source_access.ts`)
 * and the reader that applies them to real files (`lib/source_read.ts`):
 * every refusal on a real directory with links, a FIFO, a device, a big
 * file and files that are not Python source.
 */
import { assert, assertEquals, assertFalse } from "@std/assert";
import {
  decideName,
  decodeSource,
  isRefusal,
  lineNote,
  MAX_SOURCE_BYTES,
  sourceCatalog,
  sourcePlaces,
  type SourceRefusal,
} from "../lib/source_access.ts";
import { readSource, type SourceText } from "../lib/source_read.ts";

/** A temporary folder with a project in it, removed after `body`. */
async function withProject(
  body: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.mkdir(`${dir}/app`);
    await Deno.writeTextFile(
      `${dir}/app/main.py`,
      "def main():\n    return 1\n",
    );
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function refused<T extends object>(result: T | SourceRefusal): SourceRefusal {
  if (!isRefusal(result)) {
    throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  }
  return result;
}

function read(result: SourceText | SourceRefusal): SourceText {
  if (isRefusal(result)) {
    throw new Error(`expected a file, got ${JSON.stringify(result)}`);
  }
  return result;
}

Deno.test("readSource() reads a file the profile names, relative to the working directory", async () => {
  await withProject(async (dir) => {
    const catalog = sourceCatalog(["app/main.py"], { cwd: dir });
    const text = read(await readSource(catalog, "app/main.py"));
    assertEquals(text.lines, ["def main():", "    return 1", ""]);
    assertEquals(text.path, `${dir}/app/main.py`);
    assertEquals(text.undecodable, 0);
    assertEquals(text.changed, false);
  });
});

Deno.test("readSource() tries the profile's folder when the working directory lacks the file", async () => {
  await withProject(async (dir) => {
    const catalog = sourceCatalog(["main.py"], {
      cwd: "/nonexistent-cwd",
      bases: [`${dir}/app`],
    });
    assertEquals(
      read(await readSource(catalog, "main.py")).path,
      `${dir}/app/main.py`,
    );
  });
});

Deno.test("readSource() refuses a name no loaded profile holds, traversal included", async () => {
  await withProject(async (dir) => {
    const catalog = sourceCatalog([`${dir}/app/main.py`], { cwd: dir });
    for (
      const name of [
        `${dir}/app/../app/main.py`,
        `${dir}/app//main.py`,
        "app/main.py",
        "/etc/passwd",
      ]
    ) {
      const r = refused(await readSource(catalog, name));
      assertEquals([r.kind, r.status], ["not-named", 403], name);
    }
    // A name with a NUL byte is no file name at all.
    const nul = refused(await readSource(catalog, `${dir}/app/main.py\0`));
    assertEquals([nul.kind, nul.status], ["no-file", 404]);
  });
});

Deno.test("sourcePlaces() normalises traversal in the profile's own names", () => {
  assertEquals(
    sourcePlaces("/srv/app/../../etc/x.py", { cwd: "/w" }),
    ["/etc/x.py"],
  );
  assertEquals(sourcePlaces("../lib/x.py", { cwd: "/w/run" }), ["/w/lib/x.py"]);
});

Deno.test("readSource() refuses files that are not Python source, whatever the profile says", async () => {
  await withProject(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/id_rsa`,
      "-----BEGIN OPENSSH PRIVATE KEY-----\n",
    );
    await Deno.writeTextFile(`${dir}/notes.txt`, "x\n");
    const catalog = sourceCatalog([
      `${dir}/id_rsa`,
      "notes.txt",
      "~/.ssh/id_rsa",
    ], {
      cwd: dir,
    });
    for (const name of [`${dir}/id_rsa`, "notes.txt", "~/.ssh/id_rsa"]) {
      const r = refused(await readSource(catalog, name));
      assertEquals([r.kind, r.status], ["not-python", 403], name);
      assertFalse(r.message.includes("PRIVATE"));
    }
  });
});

Deno.test("readSource() refuses a .py link that leaves to a file that is not Python source", async () => {
  await withProject(async (dir) => {
    await Deno.writeTextFile(`${dir}/secret`, "password\n");
    await Deno.symlink(`${dir}/secret`, `${dir}/app/x.py`);
    await Deno.symlink("/etc/passwd", `${dir}/app/passwd.py`);
    await Deno.symlink("/dev/zero", `${dir}/app/zero.py`);
    const catalog = sourceCatalog(
      ["app/x.py", "app/passwd.py", "app/zero.py"],
      {
        cwd: dir,
      },
    );
    for (const name of ["app/x.py", "app/passwd.py", "app/zero.py"]) {
      const r = refused(await readSource(catalog, name));
      assertEquals([r.kind, r.status], ["not-python", 403], name);
      assert(r.message.includes("is a link to"), r.message);
    }
  });
});

Deno.test("readSource() follows a link to Python source and reports the real path", async () => {
  await withProject(async (dir) => {
    await Deno.mkdir(`${dir}/venv`);
    await Deno.writeTextFile(`${dir}/venv/lib.py`, "x = 1\n");
    await Deno.symlink(`${dir}/venv/lib.py`, `${dir}/app/lib.py`);
    const catalog = sourceCatalog(["app/lib.py"], { cwd: dir });
    const text = read(await readSource(catalog, "app/lib.py"));
    assertEquals([text.path, text.lines[0]], [`${dir}/venv/lib.py`, "x = 1"]);
  });
});

Deno.test("readSource() refuses a FIFO named like Python source without waiting on it", async () => {
  await withProject(async (dir) => {
    const made = await new Deno.Command("mkfifo", {
      args: [`${dir}/app/pipe.py`],
    })
      .output();
    assert(made.success, "mkfifo failed");
    const catalog = sourceCatalog(["app/pipe.py"], { cwd: dir });
    const r = refused(await readSource(catalog, "app/pipe.py"));
    assertEquals([r.kind, r.status], ["not-regular", 403]);
  });
});

Deno.test("readSource() refuses a directory named like Python source", async () => {
  await withProject(async (dir) => {
    await Deno.mkdir(`${dir}/app/pkg.py`);
    const catalog = sourceCatalog(["app/pkg.py"], { cwd: dir });
    const r = refused(await readSource(catalog, "app/pkg.py"));
    assertEquals([r.kind, r.status], ["not-regular", 403]);
  });
});

Deno.test({
  name: "readSource() refuses a device named like Python source",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await withProject(async (dir) => {
      // A device node needs root; a link to one needs nothing, and its real
      // path ends in no Python suffix. Both must be refused.
      const made = await new Deno.Command("mknod", {
        args: [`${dir}/app/null.py`, "c", "1", "3"],
        stderr: "null",
      }).output();
      const names = ["app/link.py"];
      await Deno.symlink("/dev/null", `${dir}/app/link.py`);
      if (made.success) names.push("app/null.py");
      const catalog = sourceCatalog(names, { cwd: dir });
      const kinds = [];
      for (const name of names) {
        kinds.push(refused(await readSource(catalog, name)).kind);
      }
      assertEquals(
        kinds,
        made.success ? ["not-python", "not-regular"] : ["not-python"],
      );
    });
  },
});

Deno.test("readSource() refuses a file over 4 MiB with 413, and reads one of exactly 4 MiB", async () => {
  await withProject(async (dir) => {
    for (
      const [name, size] of [["big.py", MAX_SOURCE_BYTES + 1], [
        "edge.py",
        MAX_SOURCE_BYTES,
      ]] as const
    ) {
      const file = await Deno.open(`${dir}/${name}`, {
        write: true,
        create: true,
      });
      await file.truncate(size);
      file.close();
    }
    const catalog = sourceCatalog(["big.py", "edge.py"], { cwd: dir });
    const r = refused(await readSource(catalog, "big.py"));
    assertEquals([r.kind, r.status], ["too-big", 413]);
    assert(r.message.includes("4 MiB"), r.message);
    assertEquals(read(await readSource(catalog, "edge.py")).lines.length, 1);
  });
});

Deno.test("readSource() says a missing file is missing, with where it looked", async () => {
  await withProject(async (dir) => {
    const catalog = sourceCatalog(["/srv/app/gone.py", "gone.py"], {
      cwd: dir,
      bases: ["/data"],
    });
    const absolute = refused(await readSource(catalog, "/srv/app/gone.py"));
    assertEquals([absolute.kind, absolute.status], ["missing", 404]);
    assertEquals(absolute.message, '"/srv/app/gone.py" is not there');
    const relative = refused(await readSource(catalog, "gone.py"));
    assert(
      relative.message.includes(`"${dir}/gone.py", "/data/gone.py"`),
      relative.message,
    );
    assert(relative.message.includes("--map-path"), relative.message);
  });
});

Deno.test("readSource() finds a file through --map-path rules", async () => {
  await withProject(async (dir) => {
    const catalog = sourceCatalog([
      "/srv/app/main.py",
      "C:\\build\\app\\main.py",
    ], {
      cwd: "/",
      rules: [{ from: "/srv", to: dir }, { from: "C:\\build", to: dir }],
    });
    for (const name of ["/srv/app/main.py", "C:\\build\\app\\main.py"]) {
      assertEquals(
        read(await readSource(catalog, name)).path,
        `${dir}/app/main.py`,
      );
    }
  });
});

Deno.test("decideName() says a Windows path without a rule names no path here", () => {
  const catalog = sourceCatalog(["C:\\build\\app.py"], { cwd: "/w" });
  const r = refused(decideName(catalog, "C:\\build\\app.py"));
  assertEquals(r.kind, "missing");
  assert(r.message.includes("--map-path"));
});

Deno.test("decideName() refuses names that are not files with 404", () => {
  const catalog = sourceCatalog(["~", "<string>"], { cwd: "/w" });
  for (const name of ["~", "<string>", "<frozen os>"]) {
    const r = refused(decideName(catalog, name));
    assertEquals([r.kind, r.status], ["no-file", 404]);
  }
});

Deno.test("readSource() marks a file modified after the profile as changed", async () => {
  await withProject(async (dir) => {
    const catalog = sourceCatalog(["app/main.py"], { cwd: dir });
    const mtime = (await Deno.stat(`${dir}/app/main.py`)).mtime!.getTime();
    assert(
      read(
        await readSource(catalog, "app/main.py", {
          profileMtime: mtime - 1000,
        }),
      ).changed,
    );
    assertFalse(
      read(
        await readSource(catalog, "app/main.py", {
          profileMtime: mtime + 1000,
        }),
      ).changed,
    );
    assertFalse(read(await readSource(catalog, "app/main.py")).changed);
  });
});

Deno.test("readSource() shows undecodable bytes as U+FFFD and counts them", async () => {
  await withProject(async (dir) => {
    const bytes = new TextEncoder().encode("s = 'ab'\nt = '\ufffd'\n");
    const broken = new Uint8Array([
      ...bytes.subarray(0, 6),
      0xc3,
      0x28,
      0xff,
      ...bytes.subarray(6),
    ]);
    await Deno.writeFile(`${dir}/bad.py`, broken);
    const catalog = sourceCatalog(["bad.py"], { cwd: dir });
    const text = read(await readSource(catalog, "bad.py"));
    assertEquals(text.lines[0], "s = 'a\ufffd(\ufffdb'");
    // The U+FFFD spelled out in the file itself is not counted.
    assertEquals(text.undecodable, 2);
  });
});

Deno.test("decodeSource() honours a coding declaration on the second line and drops a BOM", () => {
  const latin = Uint8Array.from([
    ...new TextEncoder().encode(
      "#!/usr/bin/env python\n# -*- coding: iso-8859-15 -*-\nx = '",
    ),
    0xa4, // € in Latin-9
    ...new TextEncoder().encode("'\n"),
  ]);
  const decoded = decodeSource(latin);
  assertEquals(decoded.lines[2], "x = '\u20ac'");
  assertEquals(decoded.encoding, "iso-8859-15");
  const bom = decodeSource(Uint8Array.from([0xef, 0xbb, 0xbf, 0x78]));
  assertEquals(bom.lines, ["x"]);
  // A declaration on line 2 counts only when line 1 is a comment or blank.
  const code = decodeSource(
    new TextEncoder().encode("x = 1\n# coding: latin-1\n"),
  );
  assertEquals(code.encoding, "utf-8");
  // An encoding the runtime does not know falls back to UTF-8.
  assertEquals(
    decodeSource(new TextEncoder().encode("# coding: klingon\n")).encoding,
    "utf-8",
  );
});

Deno.test("lineNote() reports a line past the end instead of failing", () => {
  assertEquals(lineNote("a.py", 10, 10), null);
  assert(
    lineNote("a.py", 10, 11)!.startsWith(
      "Line 11 is past the end of a.py (10 lines)",
    ),
  );
  assertEquals(lineNote("a.py", 1, 0), "Line 0 is not a line number");
});
