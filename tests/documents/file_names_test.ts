import assert from "node:assert/strict";
import path from "node:path";
import { isInside } from "../../lib/base/paths.ts";
import { safeBaseName, uniqueFileName } from "../../lib/documents/file_names.ts";

const IMPORT_DIR = "C:\\SaxiumBatigest\\ToImport";
const win32 = path.win32;
const posix = path.posix;

/** Reserved device names, checked independently of the module under test. */
function isReserved(name: string): boolean {
  const stem = name.split(".")[0].replace(/[ .]+$/, "").toUpperCase();
  return /^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|CLOCK\$|(COM|LPT)[0-9¹²³])$/.test(stem);
}

/** Every property a safe base name must have. */
function assertSafe(name: string, maxLength = 100): void {
  assert.equal(typeof name, "string");
  assert.ok(name.length >= 1, "empty name");
  assert.ok(name.length <= maxLength, `too long: ${name.length}`);
  assert.notEqual(name, ".");
  assert.notEqual(name, "..");
  assert.equal(win32.basename(name), name, "win32 basename differs");
  assert.equal(posix.basename(name), name, "posix basename differs");
  assert.ok(!/[<>:"/\\|?*]/.test(name), "forbidden Windows character");
  assert.ok(!/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name), "control or format character");
  assert.ok(!/[\u2215\u2044\u29f8\u29f9\uff0f\uff3c\ufe68\uff1a]/u.test(name), "look-alike");
  assert.ok(!/^[. ]/.test(name), "leading dot or space");
  assert.ok(!/[. ]$/.test(name), "trailing dot or space");
  assert.ok(!isReserved(name), `reserved device name: ${name}`);
  assert.ok(!win32.isAbsolute(name) && !posix.isAbsolute(name), "absolute");
  for (const extension of [".xml", ".csv", ".xml.tmp"]) {
    const full = win32.join(IMPORT_DIR, name + extension);
    assert.ok(isInside(IMPORT_DIR, full, { pathApi: win32 }), `escapes: ${full}`);
    assert.equal(win32.dirname(full), IMPORT_DIR);
    assert.ok(!isReserved(name + extension));
  }
  assert.equal(safeBaseName(name, { maxLength }), name, "not idempotent");
}

/** A test name that prints safely in a terminal. */
function printable(text: string): string {
  const escaped = Array.from(text.slice(0, 40), (ch) => {
    const code = ch.codePointAt(0)!;
    return code >= 0x20 && code < 0x7f ? ch : `\\u{${code.toString(16)}}`;
  }).join("");
  return text.length > 40 ? `${escaped}… (${text.length} chars)` : escaped;
}

const HOSTILE: readonly string[] = [
  // traversal, both slash styles
  "../x",
  "..\\x",
  "..\\..\\x",
  "../../etc/passwd",
  "..\\..\\Windows\\System32\\config\\SAM",
  "a/../../b",
  "a\\..\\..\\b",
  "./x",
  "/absolute/path",
  "\\rooted",
  // drive letters and streams
  "C:",
  "C:\\Windows\\win.ini",
  "c:evil",
  "D:/data/x.xml",
  "file.xml:Zone.Identifier:$DATA",
  // UNC and device paths
  "\\\\server\\share\\x",
  "//server/share/x",
  "\\\\?\\C:\\x",
  "\\\\.\\PhysicalDrive0",
  // reserved names, with and without extensions, any case
  "CON",
  "con",
  "Con.xml",
  "nul.xml",
  "NUL.tar.gz",
  "PRN",
  "aux.csv",
  "COM1",
  "com9.txt",
  "COM0",
  "LPT1",
  "lpt9.XML",
  "COM¹",
  "LPT³.xml",
  "CONIN$",
  "conout$.txt",
  "CLOCK$",
  "CON ",
  "NUL   .xml",
  "COM1\u200b",
  "C\u0338ON",
  // control characters and Unicode format controls
  "a\x00b",
  "\x01\x02\x1f",
  "line\r\nbreak",
  "tab\there",
  "del\x7f",
  "\u202egnp.exe",
  "abc\u200b\u200d",
  "\ufeffbom",
  "\u2066isolate\u2069",
  // trailing and leading dots and spaces
  "trailing dot.",
  "trailing dots...",
  "trailing space   ",
  "mixed . . .",
  ".hidden",
  " leading space",
  // only dots, empty, all invalid
  ".",
  "..",
  "...",
  "",
  "   ",
  '<>:"/\\|?*',
  "😀😀",
  // look-alikes
  "DV\uff0f..\uff0fx",
  "DV\u2215x",
  "DV\u2044x",
  "\uff3c\uff3cserver\uff3cshare",
  "C\uff1a\uff3cwin",
  "\uff0e\uff0e\uff0fx",
  "\u2025/x",
  "\ufe68x",
  "\u29f8x\u29f9",
  "\u00a5server",
  "A\u00a0B",
  // length
  "a".repeat(300),
  "DV-" + "9".repeat(500),
  "é".repeat(300),
  "x".repeat(1000) + "/..",
  "../".repeat(200) + "x",
  // odd but plausible
  "PROGRA~1",
  "%SystemRoot%",
  "$MFT",
  "name\u0301",
];

assert.ok(HOSTILE.length >= 50);

for (const [index, reference] of HOSTILE.entries()) {
  Deno.test(`safeBaseName: hostile #${index + 1} ${printable(reference)}`, () => {
    assertSafe(safeBaseName(reference));
    assertSafe(safeBaseName(reference, { maxLength: 20 }), 20);
  });
}

Deno.test("safeBaseName: normal references stay readable", () => {
  assert.equal(safeBaseName("DV-1730000000001"), "DV-1730000000001");
  assert.equal(safeBaseName("BC-1730000000002"), "BC-1730000000002");
  assert.equal(safeBaseName("BC-2025/0042"), "BC-2025_0042");
  assert.equal(safeBaseName("BC-2025\\0042"), "BC-2025_0042");
  assert.equal(safeBaseName("  DV-42  "), "DV-42");
  assert.equal(safeBaseName("DV 2025 001"), "DV_2025_001");
  assert.equal(safeBaseName("Devis-Réno"), "Devis-Reno");
  assert.equal(safeBaseName("ＤＶ－００１"), "DV-001");
  assert.equal(safeBaseName("v1.2_final"), "v1.2_final");
});

Deno.test("safeBaseName: hostile references give predictable names", () => {
  assert.equal(safeBaseName("..\\..\\x"), "x");
  assert.equal(safeBaseName("../../etc/passwd"), "etc_passwd");
  assert.equal(safeBaseName("\\\\server\\share"), "server_share");
  assert.equal(safeBaseName("C:\\Windows"), "C_Windows");
  assert.equal(safeBaseName("CON"), "_CON");
  assert.equal(safeBaseName("nul.xml"), "_nul.xml");
  assert.equal(safeBaseName("COM¹"), "_COM1");
  assert.equal(safeBaseName("COM1\u200b"), "_COM1");
  assert.equal(safeBaseName("DV\uff0f1"), "DV_1");
  assert.equal(safeBaseName("DV\u2215x"), "DV_x");
  assert.equal(safeBaseName("trailing dots..."), "trailing_dots");
  assert.equal(safeBaseName(""), "document");
  assert.match(safeBaseName("..."), /^document-[0-9a-f]{8}$/);
  assert.notEqual(safeBaseName("..."), safeBaseName("...."));
});

Deno.test("safeBaseName: long references sharing a 100-char prefix do not collide", () => {
  const prefix = "DV-" + "7".repeat(97);
  const a = safeBaseName(prefix + "1");
  const b = safeBaseName(prefix + "2");
  assert.notEqual(a, b);
  assert.equal(a.length, 100);
  assert.equal(b.length, 100);
  assert.match(a, /-[0-9a-f]{8}$/);
  assert.equal(safeBaseName(prefix + "1"), a, "hash must be stable");
  assert.equal(safeBaseName(prefix), prefix, "exactly 100 characters is kept as is");
  assert.notEqual(safeBaseName(prefix + "1/"), a, "hash covers the original reference");
});

Deno.test("safeBaseName: maxLength is honoured and validated", () => {
  const name = safeBaseName("BC-" + "1".repeat(60), { maxLength: 30 });
  assert.equal(name.length, 30);
  assert.ok(name.startsWith("BC-111"));
  assert.throws(() => safeBaseName("x", { maxLength: 5 }), RangeError);
  assert.throws(() => safeBaseName("x", { maxLength: 20.5 }), RangeError);
});

Deno.test("uniqueFileName: free name is returned as is", () => {
  assert.equal(uniqueFileName("DV-1", { extension: "xml", isTaken: () => false }), "DV-1.xml");
  assert.equal(uniqueFileName("DV-1", { extension: ".csv", isTaken: () => false }), "DV-1.csv");
});

Deno.test("uniqueFileName: case-only collisions get a counter", () => {
  const folder = ["dv-1.XML", "DV-1 (2).xml"];
  const taken = new Set(folder.map((name) => name.toLowerCase()));
  const asked: string[] = [];
  const isTaken = (name: string) => {
    asked.push(name);
    return taken.has(name);
  };
  assert.equal(uniqueFileName("DV-1", { extension: "xml", isTaken }), "DV-1 (3).xml");
  assert.deepEqual(asked, ["dv-1.xml", "dv-1 (2).xml", "dv-1 (3).xml"]);

  const first = uniqueFileName(safeBaseName("DV-a"), { extension: "xml", isTaken });
  taken.add(first.toLowerCase());
  const second = uniqueFileName(safeBaseName("DV-A"), { extension: "xml", isTaken });
  assert.equal(first, "DV-a.xml");
  assert.equal(second, "DV-A (2).xml");
});

Deno.test("uniqueFileName: refuses unsafe bases and extensions", () => {
  const isTaken = () => false;
  assert.throws(() => uniqueFileName("../x", { extension: "xml", isTaken }), TypeError);
  assert.throws(() => uniqueFileName("", { extension: "xml", isTaken }), TypeError);
  assert.throws(() => uniqueFileName("a.", { extension: "xml", isTaken }), TypeError);
  assert.throws(() => uniqueFileName("a", { extension: "x/y", isTaken }), TypeError);
  assert.throws(() => uniqueFileName("a", { extension: "", isTaken }), TypeError);
});

Deno.test("uniqueFileName: gives up instead of looping forever", () => {
  assert.throws(() => uniqueFileName("a", { extension: "xml", isTaken: () => true }), Error);
});
