import { ConfigError } from "../../lib/base/config_error.ts";
import assert from "node:assert/strict";
import nodePath from "node:path";
import type { CommandContext } from "../../lib/base/context.ts";
import { loadSettings, parseFlags, SETTING_OPTIONS } from "../../lib/cli/flags.ts";
import { fakeContext } from "../support/context.ts";

function contextWith(env: Record<string, string>): CommandContext {
  return fakeContext({ env }).ctx;
}

function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out.set([0xff, 0xfe]);
  for (let i = 0; i < text.length; i++) {
    out[2 + 2 * i] = text.charCodeAt(i) & 0xff;
    out[3 + 2 * i] = text.charCodeAt(i) >> 8;
  }
  return out;
}

Deno.test("a negative value after an option is its value (refused with its range), not an unknown option", () => {
  const options = { ...SETTING_OPTIONS, lines: { type: "string" as const, short: "n" } };
  assert.equal(parseFlags(["--batch-size", "-5"], options).values["batch-size"], "-5");
  assert.equal(parseFlags(["-n", "-5"], options).values.lines, "-5");
  const flags = parseFlags(["--batch-size", "-5"], SETTING_OPTIONS);
  const env = {
    SAXIUM_API_URL: "https://s.example",
    SAXIUM_WORK_DIR: nodePath.resolve("/nulle-part"),
    BATIGEST_IMPORT_PATH: nodePath.resolve("/import"),
  };
  assert.throws(
    () => loadSettings(contextWith(env), flags),
    /^ConfigError: Option --batch-size invalide \(« -5 »\) : un nombre entier entre 1 et 500/,
  );
  // A value forgotten is said so.
  assert.throws(() => parseFlags(["--work-dir"], SETTING_OPTIONS), /Option --work-dir sans valeur/);
  assert.throws(
    () => parseFlags(["--work-dir", "--verbose"], SETTING_OPTIONS),
    /Option --work-dir sans valeur/,
  );
  assert.throws(() => parseFlags(["--bavard"], SETTING_OPTIONS), /Option --bavard inconnue/);
});

Deno.test("a long option typed with one dash is answered as typed, with the option meant", () => {
  const options = { ...SETTING_OPTIONS, once: { type: "boolean" as const } };
  assert.throws(
    () => parseFlags(["-once"], options),
    (e) =>
      e instanceof ConfigError &&
      e.message.startsWith("Option -once inconnue : vouliez-vous dire --once ?"),
  );
  assert.throws(
    () => parseFlags(["-verbose"], options),
    /Option -verbose inconnue : vouliez-vous dire --verbose \?/,
  );
  assert.throws(
    () => parseFlags(["-onse"], options),
    /Option -onse inconnue : vouliez-vous dire --once/,
  );
  assert.throws(
    () => parseFlags(["-xyz"], options),
    /Option -xyz inconnue : les options longues prennent deux tirets/,
  );
  // A mistyped long option: the closest one; real short options still work.
  assert.throws(
    () => parseFlags(["--onc"], options),
    /Option --onc inconnue : vouliez-vous dire --once \?/,
  );
  assert.equal(parseFlags(["-h"], options).values.help, true);
  const tail = {
    lines: { type: "string" as const, short: "n" },
    follow: { type: "boolean" as const, short: "f" },
  };
  assert.equal(parseFlags(["-n20"], tail).values.lines, "20");
  assert.throws(
    () => parseFlags(["-follow"], tail),
    /Option -follow inconnue : vouliez-vous dire --follow \?/,
  );
});

Deno.test("a command that takes an argument gets one, and no more", () => {
  const flags = parseFlags(["DV-123", "--verbose"], SETTING_OPTIONS, { positionals: 1 });
  assert.deepEqual(flags.positionals, ["DV-123"]);
  assert.throws(
    () => parseFlags(["DV-123", "DV-124"], SETTING_OPTIONS, { positionals: 1 }),
    /Argument inattendu « DV-124 »/,
  );
  assert.throws(() => parseFlags(["DV-123"], SETTING_OPTIONS), /Argument inattendu « DV-123 »/);
});

Deno.test("agent.json saved by Notepad as Unicode (UTF-16 with BOM) is read", async () => {
  const root = await Deno.makeTempDir();
  try {
    const workDir = nodePath.join(root, "work");
    await Deno.mkdir(workDir);
    const json = JSON.stringify({ apiUrl: "https://saxium.example.com", agentId: "POSTE-É" });
    await Deno.writeFile(nodePath.join(workDir, "agent.json"), utf16le(json));
    const flags = parseFlags(["--work-dir", workDir], SETTING_OPTIONS);
    const error = (() => {
      try {
        return loadSettings(contextWith({ BATIGEST_IMPORT_PATH: nodePath.join(root, "i") }), flags);
      } catch (e) {
        return e;
      }
    })();
    // The agent id with an accent is refused by its own rule: proof the file was decoded.
    assert.ok(error instanceof ConfigError);
    assert.equal(error.setting, "agentId");
    assert.match(error.message, /POSTE-É/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("agent.json in UTF-8 with a BOM is read", async () => {
  const root = await Deno.makeTempDir();
  try {
    const workDir = nodePath.join(root, "work");
    await Deno.mkdir(workDir);
    const json = JSON.stringify({ apiUrl: "https://saxium.example.com", agentId: "POSTE-1" });
    await Deno.writeFile(
      nodePath.join(workDir, "agent.json"),
      new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(json)]),
    );
    const flags = parseFlags(["--work-dir", workDir], SETTING_OPTIONS);
    const settings = loadSettings(
      contextWith({ BATIGEST_IMPORT_PATH: nodePath.join(root, "i") }),
      flags,
    );
    assert.equal(settings.agentId, "POSTE-1");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
