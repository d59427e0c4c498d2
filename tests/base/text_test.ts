import assert from "node:assert/strict";
import {
  MASK,
  maskUrlCredentials,
  maskWebhookUrl,
  oneLine,
  printable,
  redact,
  showInvisible,
  twoDigits,
} from "../../lib/base/text.ts";

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

Deno.test("redact: one mask for every secret, in whatever case, the longest first", () => {
  assert.equal(
    redact("Bearer tok-123 refusé (TOK-123)", ["tok-123"]),
    `Bearer ${MASK} refusé (${MASK})`,
  );
  const url = "https://hooks.example.com/services/T0/B0/secretpart";
  assert.equal(
    redact(`envoi à ${url} : 404 /services/T0/B0/secretpart`, [
      "/services/T0/B0/secretpart",
      url,
    ]),
    `envoi à ${MASK} : 404 ${MASK}`,
  );
  assert.equal(redact("a+b? (x) [y]", ["a+b?", "(x) [y]"]), `${MASK} ${MASK}`);
});

Deno.test("redact: secrets under four characters and undefined ones are left out", () => {
  assert.equal(redact("abc a ab abc", ["abc", "", undefined]), "abc a ab abc");
  assert.equal(redact("jeton abcd", ["abcd"]), `jeton ${MASK}`);
});

Deno.test("a URL's credentials and a webhook's path are hidden by the same mask", () => {
  assert.equal(
    maskUrlCredentials("http://user:pw@proxy.local:3128"),
    `http://${MASK}@proxy.local:3128`,
  );
  assert.equal(
    maskWebhookUrl("https://hooks.example.com/abc"),
    `https://hooks.example.com/${MASK}`,
  );
  assert.equal(maskWebhookUrl("pas une adresse"), MASK);
});

Deno.test("twoDigits: a month, day or hour on two digits", () => {
  assert.equal(twoDigits(5), "05");
  assert.equal(twoDigits(12), "12");
});

Deno.test("redact: a secret is hidden only as a whole value, never inside a longer word", () => {
  assert.equal(redact("attestation test", ["test"]), "attestation ********");
  assert.equal(redact("Saxium (jeton test)", ["test"]), "Saxium (jeton ********)");
  assert.equal(redact("tests, contest", ["test"]), "tests, contest");
  // A secret that begins or ends with punctuation needs no word boundary there.
  assert.equal(
    redact("POST https://h.example/hook/abcd a échoué", ["https://h.example/hook/abcd"]),
    "POST ******** a échoué",
  );
  assert.equal(redact("pwd=P@ss:w0rd! ok", ["P@ss:w0rd!"]), "pwd=******** ok");
});

Deno.test("invisible characters are shown: a bidirectional override never reorders a line", () => {
  assert.equal(showInvisible("DV-1\u202Egpj.exe"), "DV-1?gpj.exe");
  assert.equal(oneLine("a\u202Eb\u200Bc\u2066d", 40), "a?b?c?d");
  assert.equal(showInvisible("Société Dupont & Fils"), "Société Dupont & Fils", "accents stay");
});
