import assert from "node:assert/strict";
import { oneLine, printable } from "../../lib/base/one_line.ts";

Deno.test("oneLine: controls and line separators become one space, ends trimmed", () => {
  assert.equal(oneLine("550 mailbox\r\nunavailable", 40), "550 mailbox unavailable");
  assert.equal(oneLine(" a\tb\u0085c\u2028d\u2029e\u007f ", 40), "a b c d e");
});

Deno.test("oneLine: at most max characters, the last one … when cut", () => {
  assert.equal(oneLine("abcdef", 6), "abcdef");
  assert.equal(oneLine("abcdefg", 6), "abcde…");
});

Deno.test("printable: each invisible character is one ?, nothing trimmed", () => {
  assert.equal(printable(" a\r\nb ", 40), " a??b ");
  assert.equal(printable("DV-1\u200b", 40), "DV-1?");
  assert.equal(printable("x\u202ey\u2028z", 40), "x?y?z");
  assert.equal(printable("Référence été", 40), "Référence été");
});

Deno.test("printable: cut after max characters, then …; 80 by default", () => {
  assert.equal(printable("abcdef", 6), "abcdef");
  assert.equal(printable("abcdefg", 6), "abcdef…");
  assert.equal(printable("a".repeat(100)), "a".repeat(80) + "…");
});
