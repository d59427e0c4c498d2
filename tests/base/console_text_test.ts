/**
 * Windows programs' output read right on a French server: code page 850 when
 * it is not UTF-8, through the real runner too. The fixtures under
 * `tests/fixtures/oem/` are the bytes French Windows prints (code page 850:
 * `è` is 0x8A, `é` 0x82), kept byte-exact by `.gitattributes`.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { decodeConsoleOutput, decodeCp850 } from "../../lib/base/console_text.ts";
import { runCommand } from "../../lib/base/command_runner.ts";

const fixture = (name: string) => new URL(`../fixtures/oem/${name}`, import.meta.url);

Deno.test("code page 850: every French letter, lower and upper case", () => {
  // Bytes as code page 850 has them (Microsoft's table), one letter each.
  const letters: [number, string][] = [
    [0x85, "à"],
    [0x83, "â"],
    [0x84, "ä"],
    [0x87, "ç"],
    [0x82, "é"],
    [0x8a, "è"],
    [0x88, "ê"],
    [0x89, "ë"],
    [0x8c, "î"],
    [0x8b, "ï"],
    [0x93, "ô"],
    [0x97, "ù"],
    [0x96, "û"],
    [0x81, "ü"],
    [0x98, "ÿ"],
    [0xb7, "À"],
    [0xb6, "Â"],
    [0x80, "Ç"],
    [0x90, "É"],
    [0xd4, "È"],
    [0xd2, "Ê"],
    [0xd3, "Ë"],
    [0xd7, "Î"],
    [0xe2, "Ô"],
    [0xeb, "Ù"],
    [0xae, "«"],
    [0xaf, "»"],
    [0xff, "\u00a0"],
  ];
  for (const [byte, letter] of letters) {
    assert.equal(decodeCp850(new Uint8Array([byte])), letter, `0x${byte.toString(16)}`);
  }
  const all = decodeCp850(Uint8Array.from({ length: 256 }, (_, i) => i));
  assert.equal(all.length, 256);
  assert.equal(new Set(all).size, 256, "one character per byte");
});

Deno.test("console output: UTF-8 when valid, else code page 850, UTF-16 by its mark", () => {
  const denied = Deno.readFileSync(fixture("schtasks-create-denied-fr.txt"));
  assert.equal(decodeConsoleOutput(denied), "ERREUR : Accès refusé.\r\n");
  assert.doesNotMatch(new TextDecoder().decode(denied), /Accès/, "the bytes are not UTF-8");

  assert.equal(
    decodeConsoleOutput(new TextEncoder().encode("Prête à démarrer")),
    "Prête à démarrer",
  );
  assert.equal(
    decodeConsoleOutput(new TextEncoder().encode("SUCCESS: done.\r\n")),
    "SUCCESS: done.\r\n",
  );
  assert.equal(decodeConsoleOutput(new Uint8Array()), "");
  const utf16 = new Uint8Array([0xff, 0xfe, 0x45, 0, 0xe9, 0, 0x74, 0, 0xe9, 0]);
  assert.equal(decodeConsoleOutput(utf16), "Eété");
  // Without its mark too (schtasks /Query /XML redirected may write so).
  const xml = '<?xml version="1.0" encoding="UTF-16"?>\r\n<Task>é</Task>';
  const bytes = new Uint8Array([...xml].flatMap((c) => [c.charCodeAt(0), 0]));
  assert.equal(decodeConsoleOutput(bytes), xml);
});

Deno.test("the real runner reads a program's code page 850 output as French", async () => {
  // A program that writes the fixture's bytes as they are, as schtasks would.
  const result = await runCommand(Deno.execPath(), [
    "eval",
    "const [o, e] = Deno.args.map((p) => Deno.readFileSync(p));" +
    "Deno.stdout.writeSync(o); Deno.stderr.writeSync(e); Deno.exit(1);",
    fileURLToPath(fixture("icacls-locked-fr.txt")),
    fileURLToPath(fixture("eventcreate-denied-fr.txt")),
  ]);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /AUTORITE NT\\Système:\(I\)\(F\)/);
  assert.match(result.stdout, /correctement traités ; échec du traitement/);
  assert.equal(result.stderr, "ERREUR : Accès refusé.\r\n");
});
