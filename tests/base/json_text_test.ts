import assert from "node:assert/strict";
import { decodeText, NotUtf8Error, parseJsonText } from "../../lib/base/json_text.ts";

function utf16(text: string, options: { bom: boolean; bigEndian?: boolean }): Uint8Array {
  const bytes: number[] = options.bom ? (options.bigEndian ? [0xfe, 0xff] : [0xff, 0xfe]) : [];
  for (const unit of text.split("").map((c) => c.charCodeAt(0))) {
    const pair = [unit & 0xff, unit >> 8];
    bytes.push(...(options.bigEndian ? pair.reverse() : pair));
  }
  return new Uint8Array(bytes);
}

const SAMPLE =
  '{ "batigestImportDir": "C:/Program Files/Sage/Batigest/Import", "agentId": "SRV-é" }';

Deno.test("decodeText: UTF-8 with and without BOM, UTF-16 with and without BOM", () => {
  const utf8 = new TextEncoder().encode(SAMPLE);
  assert.deepEqual(decodeText(utf8), { text: SAMPLE, encoding: "utf-8" });
  assert.deepEqual(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8])), {
    text: SAMPLE,
    encoding: "utf-8",
  });
  assert.deepEqual(decodeText(utf16(SAMPLE, { bom: true })), {
    text: SAMPLE,
    encoding: "utf-16le",
  });
  assert.deepEqual(decodeText(utf16(SAMPLE, { bom: true, bigEndian: true })), {
    text: SAMPLE,
    encoding: "utf-16be",
  });
  assert.deepEqual(decodeText(utf16(SAMPLE, { bom: false })), {
    text: SAMPLE,
    encoding: "utf-16le",
  });
  assert.equal(decodeText(new Uint8Array()).text, "");
});

Deno.test("parseJsonText: valid JSON is returned as is", () => {
  assert.deepEqual(parseJsonText('{"a": [1, "b"]}'), { ok: true, value: { a: [1, "b"] } });
});

Deno.test("parseJsonText: single backslashes point at the first one and say to double them", () => {
  const text = '{\n  "batigestImportDir": "C:\\Program Files\\Sage"\n}';
  const result = parseJsonText(text);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.line, 2);
  assert.equal(result.column, text.split("\n")[1].indexOf("\\") + 1);
  assert.match(result.problem, /doublez les \\ \(C:\\\\Program Files\\\\…\) ou utilisez \//);
});

Deno.test("parseJsonText: each common mistake is named in French with its place", () => {
  const cases: [string, RegExp, number, number][] = [
    ['{"a": 1,}', /virgule en trop avant « } »/, 1, 9],
    ['{"a": 1\n "b": 2}', /virgule manquante/, 2, 2],
    ['{"a": 1', /accolade fermante « } » manquante/, 1, 8],
    ['{"a": "x', /guillemet ouvert jamais fermé/, 1, 7],
    ["{a: 1}", /caractère inattendu « a »/, 1, 2],
    ["{“a”: 1}", /guillemets typographiques/, 1, 2],
    ['{"a": 1} x', /texte en trop|caractère inattendu/, 1, 10],
    ['{"a": "tab\there"}', /tabulation/, 1, 11],
    ["", /le fichier est vide/, 1, 1],
    ['{"a": 1} // note', /commentaires ne sont pas permis/, 1, 10],
  ];
  for (const [text, problem, line, column] of cases) {
    const result = parseJsonText(text);
    assert.equal(result.ok, false, text);
    if (result.ok) continue;
    assert.match(result.problem, problem, text);
    assert.deepEqual([result.line, result.column], [line, column], text);
    assert.doesNotMatch(result.problem, /JSON at position|Unexpected|Expected/, text);
  }
});

Deno.test("decodeText: a file saved as ANSI (Windows-1252) is refused, with the line of the first accent", () => {
  const ansi = new Uint8Array([
    ...new TextEncoder().encode(
      '{\r\n  "apiUrl": "https://s.example",\r\n  "batigestImportDir": "C:/Donn',
    ),
    0xe9, // é in Windows-1252
    ...new TextEncoder().encode('es"\r\n}'),
  ]);
  assert.throws(
    () => decodeText(ansi),
    (e: unknown) => e instanceof NotUtf8Error && e.line === 3,
  );
});

Deno.test("parseJsonText: a token pasted with its line break is said to be cut on two lines", () => {
  const text =
    '{\r\n  "apiUrl": "https://saxium.client.fr",\r\n  "token": "sxm_live_abc\r\ndef"\r\n}';
  const result = parseJsonText(text);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual([result.line, result.column], [3, 12]);
  assert.equal(
    result.problem,
    "le jeton (« token ») est coupé sur deux lignes : un retour à la ligne s'est glissé en le collant ; remettez-le tout entier sur une seule ligne, entre ses deux guillemets",
  );
  assert.doesNotMatch(result.problem, /sxm_live|guillemet ouvert/);
  const other = parseJsonText('{"agentId": "SRV\nCOMPTA"}');
  assert.match(
    !other.ok ? other.problem : "",
    /^la valeur de « agentId » est coupée sur deux lignes ; remettez-la tout entière/,
  );
  // A quote really left open is still said so.
  const open = parseJsonText('{"token": "abc');
  assert.match(!open.ok ? open.problem : "", /^guillemet ouvert jamais fermé/);
});
