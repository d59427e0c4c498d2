/** CSV as French Excel opens it: the separator, the byte order mark, the quoting, no formula run. */

import assert from "node:assert/strict";
import { BOM, csvField, excelCsvLines } from "../../lib/base/excel_csv.ts";

Deno.test("CSV for French Excel: BOM, « ; », CRLF, quoted when it must be", () => {
  const lines = excelCsvLines(["Référence", "Motif", "Tentative"], [
    ["DV-1", 'total faux ; « corrigez » "vite"', 2],
    ["BC-2", "ligne 1\nligne 2", undefined],
  ]);
  assert.deepEqual(lines, [
    `${BOM}Référence;Motif;Tentative\r`,
    'DV-1;"total faux ; « corrigez » ""vite""";2\r',
    'BC-2;"ligne 1\nligne 2";\r',
  ]);
});

Deno.test("a text Excel would run as a formula (a reference from Saxium) stays text", () => {
  assert.equal(csvField('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
  assert.equal(csvField("+33 1 23"), "'+33 1 23");
  assert.equal(csvField("-DV"), "'-DV");
  assert.equal(csvField("@SUM(A1)"), "'@SUM(A1)");
  assert.equal(csvField(-3), "-3", "a number is a number");
  assert.equal(csvField("DV-1"), "DV-1");
});
