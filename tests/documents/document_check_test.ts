import assert from "node:assert/strict";
import {
  checkDocument,
  checkDocumentFile,
  type DocumentCheckInput,
  type DocumentCheckOptions,
  type DocumentCheckResult,
} from "../../lib/documents/document_check.ts";
import { quoteCsv, quoteXml } from "../support/documents.ts";

const DEVIS_REF = "DV-1730000000001";
const COMMANDE_REF = "BC-1730000000002";

async function fixture(name: string): Promise<string> {
  const bytes = await Deno.readFile(new URL(`../fixtures/${name}`, import.meta.url));
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

const DEVIS_XML = await fixture("devis-DV-1730000000001.xml");
const DEVIS_CSV = await fixture("devis-DV-1730000000001.csv");
const COMMANDE_XML = await fixture("commande-BC-1730000000002.xml");
const COMMANDE_CSV = await fixture("commande-BC-1730000000002.csv");

const encoder = new TextEncoder();

function devisXml(text: string, options?: DocumentCheckOptions): DocumentCheckResult {
  return checkDocument(
    {
      bytes: encoder.encode(text),
      format: "xml",
      documentType: "devis_client",
      reference: DEVIS_REF,
    },
    options,
  );
}

function commandeXml(text: string): DocumentCheckResult {
  return checkDocument({
    bytes: encoder.encode(text),
    format: "xml",
    documentType: "bon_commande",
    reference: COMMANDE_REF,
  });
}

function devisCsv(text: string): DocumentCheckResult {
  return checkDocument({
    bytes: encoder.encode(text),
    format: "csv",
    documentType: "devis_client",
    reference: DEVIS_REF,
  });
}

function commandeCsv(text: string): DocumentCheckResult {
  return checkDocument({
    bytes: encoder.encode(text),
    format: "csv",
    documentType: "bon_commande",
    reference: COMMANDE_REF,
  });
}

/** `text` with `from` replaced by `to`; fails if `from` is absent, so no case is vacuous. */
function edit(text: string, from: string | RegExp, to: string): string {
  const changed = text.replace(from, to);
  assert.notEqual(changed, text, `edit did not apply: ${from}`);
  return changed;
}

/** The result is a refusal whose one-line French reason mentions every needle. */
function assertRefused(result: DocumentCheckResult, ...needles: string[]): void {
  assert.equal(result.ok, false, "expected the document to be refused");
  if (result.ok) return;
  assert.ok(!/[\r\n]/.test(result.reason), `reason on several lines: ${result.reason}`);
  assert.ok(result.reason.includes(" ; "), `reason lacks what to do: ${result.reason}`);
  assert.ok(result.reason.endsWith("."), `reason is not a sentence: ${result.reason}`);
  for (const needle of needles) {
    assert.ok(result.reason.includes(needle), `reason lacks "${needle}": ${result.reason}`);
  }
}

/** The document is accepted (with the fixture's warning, if it has it: see `assertClean`). */
function assertAccepted(result: DocumentCheckResult): void {
  assert.equal(result.ok, true, result.ok ? "" : result.reason);
}

/** The document is accepted, with nothing to say. */
function assertClean(result: DocumentCheckResult): void {
  assert.deepEqual(result, { ok: true, warnings: [] });
}

/** The document is accepted, with this one warning (one line, naming the document). */
function assertWarned(result: DocumentCheckResult, warning: string): void {
  assert.deepEqual(result, { ok: true, warnings: [warning] });
}

/** The warning of Saxium's escaping inside CDATA, for DV-1730000000001's Client/Nom. */
const NAME_ESCAPED = "DV-1730000000001 : le texte de Client/Nom contient « &amp; » dans une " +
  "section CDATA : Batigest affichera « &amp; » tel quel ; c'est Saxium qui l'échappe deux " +
  "fois, à corriger dans son générateur d'exports (le document est déposé tel quel).";

// ---------------------------------------------------------------- fixtures

Deno.test("fixtures: the four Saxium samples pass (the quote's name escaped by Saxium, said)", () => {
  assertWarned(devisXml(DEVIS_XML), NAME_ESCAPED);
  assertClean(devisCsv(DEVIS_CSV));
  assertClean(commandeXml(COMMANDE_XML));
  assertClean(commandeCsv(COMMANDE_CSV));
});

Deno.test("fixtures: bytes are left untouched", () => {
  const bytes = encoder.encode(DEVIS_XML);
  const copy = bytes.slice();
  const input: DocumentCheckInput = {
    bytes,
    format: "xml",
    documentType: "devis_client",
    reference: DEVIS_REF,
  };
  assertWarned(checkDocument(input), NAME_ESCAPED);
  assert.deepEqual(bytes, copy);
});

Deno.test("a file is judged as its bytes are, whatever falls on chunk boundaries", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ref = "DV-1730000000077";
    const big = quoteXml(ref, { targetBytes: 300 * 1024 });
    const csv = quoteCsv(ref, { targetBytes: 300 * 1024 });
    // "é" is two bytes in UTF-8: put one astride a chunk boundary (chunks are 16 KiB).
    const boundary = 64 * 1024;
    const head = encoder.encode(big.slice(0, big.indexOf("<Lignes>") + "<Lignes>".length)).length;
    const padding = " ".repeat(boundary - 1 - head - "<!--".length);
    const astride = big.replace("<Lignes>", `<Lignes>${padding}<!--é-->`);
    assert.deepEqual([...encoder.encode(astride).subarray(boundary - 1, boundary + 1)], [
      0xc3,
      0xa9,
    ]);
    const cases: [string, string, "xml" | "csv"][] = [
      ["devis.xml", big, "xml"],
      ["astride.xml", astride, "xml"],
      ["devis.csv", csv, "csv"],
      // Wrong only at the very end, in the last chunk.
      ["totaux.xml", big.replace(/<TotalTTC>[^<]*</, "<TotalTTC>0.01<"), "xml"],
      ["tronque.xml", big.slice(0, big.length - 20), "xml"],
      ["tronque.csv", csv.slice(0, csv.lastIndexOf(";")), "csv"],
    ];
    for (const [name, text, format] of cases) {
      const path = `${dir}/${name}`;
      await Deno.writeTextFile(path, text);
      const document = { format, documentType: "devis_client", reference: ref };
      const fromFile = await checkDocumentFile(path, document);
      assert.deepEqual(fromFile, checkDocument({ ...document, bytes: encoder.encode(text) }), name);
      assert.equal(fromFile.ok, name.startsWith("devis") || name.startsWith("astride"), name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("common: a UTF-8 BOM is accepted", () => {
  assertAccepted(commandeXml("\ufeff" + COMMANDE_XML));
  assertAccepted(devisCsv("\ufeff" + DEVIS_CSV));
});

Deno.test("common: references are compared trimmed", () => {
  const result = checkDocument({
    bytes: encoder.encode(edit(DEVIS_XML, `>${DEVIS_REF}<`, `> ${DEVIS_REF}\n<`)),
    format: "xml",
    documentType: "devis_client",
    reference: ` ${DEVIS_REF} `,
  });
  assertAccepted(result);
});

Deno.test("common: unsupported document types are refused", () => {
  for (const documentType of ["facture", "avoir", "unknown", "__proto__", ""]) {
    for (const format of ["xml", "csv"] as const) {
      const result = checkDocument({
        bytes: encoder.encode(DEVIS_XML),
        format,
        documentType,
        reference: DEVIS_REF,
      });
      assertRefused(result, "n'est pas pris en charge", "cette version de l'agent");
    }
  }
});

Deno.test("common: an unknown format is refused", () => {
  const result = checkDocument({
    bytes: encoder.encode(DEVIS_XML),
    format: "pdf" as "xml",
    documentType: "devis_client",
    reference: DEVIS_REF,
  });
  assertRefused(result, "pdf");
});

Deno.test("common: invalid UTF-8 is refused", () => {
  const latin1 = Uint8Array.from(
    [...DEVIS_XML.replace("Fils Rénovation", "Fils R\u00e9novation")],
    (ch) => ch.charCodeAt(0) & 0xff,
  );
  for (const format of ["xml", "csv"] as const) {
    const result = checkDocument({
      bytes: latin1,
      format,
      documentType: "devis_client",
      reference: DEVIS_REF,
    });
    assertRefused(result, "UTF-8");
  }
  const truncated = encoder.encode(DEVIS_CSV).slice(0, DEVIS_CSV.indexOf("é") + 1);
  assertRefused(
    checkDocument({ bytes: truncated, format: "csv", documentType: "devis_client", reference: "" }),
    "UTF-8",
  );
});

Deno.test("common: an oversized document is refused before parsing", () => {
  assertRefused(devisXml(DEVIS_XML, { maxBytes: 100 }), "octets", "100");
  const huge = new Uint8Array(20 * 1024 * 1024 + 1).fill(0x20);
  const started = performance.now();
  for (const format of ["xml", "csv"] as const) {
    const result = checkDocument({
      bytes: huge,
      format,
      documentType: "devis_client",
      reference: DEVIS_REF,
    });
    assertRefused(result, "octets", String(20 * 1024 * 1024));
  }
  assert.ok(performance.now() - started < 1000);
  const exactly = encoder.encode(DEVIS_XML);
  assertAccepted(devisXml(DEVIS_XML, { maxBytes: exactly.byteLength }));
});

// ---------------------------------------------------------------- XML: well-formedness and safety

Deno.test("xml: malformed documents are refused with a position", () => {
  assertRefused(devisXml(edit(DEVIS_XML, "</Devis>", "")), "mal formé", "ligne");
  assertRefused(devisXml(edit(DEVIS_XML, "</Date>", "</Dat>")), "mal formé", "ligne 4");
  assertRefused(devisXml("hello"), "mal formé");
  assertRefused(devisXml(""), "mal formé");
  assertRefused(devisXml(DEVIS_XML + "<Devis/>"), "mal formé");
  assertRefused(
    devisXml(edit(DEVIS_XML, "<ValiditeJours>30", "<ValiditeJours>&nbsp;30")),
    "mal formé",
  );
  assertRefused(
    devisXml(edit(DEVIS_XML, "<ValiditeJours>30", "<ValiditeJours>3 & 0")),
    "mal formé",
  );
  assertRefused(
    devisXml(edit(DEVIS_XML, "<ValiditeJours>30", "<ValiditeJours>3\u00010")),
    "mal formé",
  );
});

Deno.test("xml: the parser's complaint is told in French, never in its English", () => {
  const cases: [string, string][] = [
    [edit(DEVIS_XML, "</Date>", "</Dat>"), "balise fermante inattendue"],
    [edit(DEVIS_XML, "</Devis>", ""), "balise <Devis> jamais fermée"],
    [DEVIS_XML + "<Devis/>", "plusieurs éléments racines"],
    [DEVIS_XML + "texte", "texte en dehors de l'élément racine"],
    [edit(DEVIS_XML, "<ValiditeJours>30", "<ValiditeJours>3\u00010"), "caractère interdit"],
  ];
  for (const [xml, words] of cases) {
    const result = devisXml(xml);
    assertRefused(result, "mal formé", words);
    if (!result.ok) {
      assert.doesNotMatch(
        result.reason,
        /unexpected|unclosed|unmatched|outside|disallowed|malformed/i,
      );
    }
  }
});

Deno.test("xml: escaped text and CDATA are fine", () => {
  const clean = edit(DEVIS_XML, "Dupont &amp; Fils", "Dupont & Fils");
  assertClean(devisXml(clean));
  assertClean(devisXml(edit(clean, "<![CDATA[6 semaines]]>", "6 &amp; 7 semaines")));
  assertClean(devisXml(edit(clean, "<Lignes>", "<!-- commentaire --><Lignes>")));
  assertClean(devisXml(edit(clean, "<Devis>", '<?xml-stylesheet href="x"?><Devis>')));
  assertClean(devisXml(edit(clean, "<Devis>", '<Devis version="1">')));
});

Deno.test("xml: text Saxium escaped inside CDATA is delivered, with one warning naming the document and the field", () => {
  // As Saxium's generator writes it today: Batigest would show « &amp; » literally.
  assert.ok(DEVIS_XML.includes("<![CDATA[Dupont &amp; Fils"));
  assertWarned(devisXml(DEVIS_XML), NAME_ESCAPED);
  // Outside CDATA, &amp; is the XML's own escape: nothing to say.
  const outside = edit(DEVIS_XML, "<![CDATA[Dupont &amp; Fils Rénovation]]>", "Dupont &amp; Fils");
  assertClean(devisXml(outside));
});

Deno.test("xml: several fields escaped inside CDATA: still one warning, each field and escape named once", () => {
  const text = edit(
    edit(
      DEVIS_XML,
      "<![CDATA[Pose et dépose de l'existant]]>",
      "<![CDATA[Pose et dépose de l&apos;existant &amp; finitions]]>",
    ),
    "<![CDATA[6 semaines]]>",
    "<![CDATA[6 &lt; 8 semaines]]>",
  );
  assertWarned(
    devisXml(text),
    "DV-1730000000001 : les textes de Client/Nom, Ligne n°2/Designation et DelaiLivraison " +
      "contiennent « &amp; », « &apos; » et « &lt; » dans des sections CDATA : Batigest les " +
      "affichera tels quels ; c'est Saxium qui les échappe deux fois, à corriger dans son " +
      "générateur d'exports (le document est déposé tel quel).",
  );
  // A refused document says why it is refused, not its escapes.
  assertRefused(devisXml(edit(text, "<TotalTTC>3509.00", "<TotalTTC>3509.01")), "TotalTTC");
});

Deno.test("xml: a billion-laughs DOCTYPE is refused", () => {
  const bomb = `<?xml version="1.0"?>
<!DOCTYPE Devis [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Devis><Reference>&lol9;</Reference></Devis>`;
  const started = performance.now();
  assertRefused(devisXml(bomb), "DOCTYPE");
  assert.ok(performance.now() - started < 1000);
});

Deno.test("xml: an external entity DOCTYPE is refused", () => {
  const xxe = edit(
    DEVIS_XML,
    "<Devis>",
    '<!DOCTYPE Devis [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<Devis>',
  ).replace("<ValiditeJours>30", "<ValiditeJours>&xxe;");
  assertRefused(devisXml(xxe), "DOCTYPE");
  const external = edit(DEVIS_XML, "<Devis>", '<!DOCTYPE Devis SYSTEM "http://x/d.dtd">\n<Devis>');
  assertRefused(devisXml(external), "DOCTYPE");
});

Deno.test("xml: 10,000-deep nesting is refused quickly", () => {
  const deep = "<Devis>" + "<a>".repeat(10_000) + "</a>".repeat(10_000) + "</Devis>";
  const started = performance.now();
  assertRefused(devisXml(deep), "64 niveaux");
  assert.ok(performance.now() - started < 1000);
  const unclosed = "<a>".repeat(100_000);
  assertRefused(devisXml(unclosed), "niveaux");
  assertRefused(devisXml(DEVIS_XML, { maxDepth: 2 }), "2 niveaux", "ligne 6");
  assertRefused(devisXml(DEVIS_XML, { maxDepth: 3 }), "3 niveaux", "ligne 11");
  assertAccepted(devisXml(DEVIS_XML, { maxDepth: 4 }));
});

Deno.test("xml: too many elements are refused", () => {
  assertRefused(devisXml(DEVIS_XML, { maxElements: 10 }), "plus de 10 éléments");
  const flood = edit(DEVIS_XML, "<Metadata>", "<x/>".repeat(1_100_000) + "<Metadata>");
  assertRefused(devisXml(flood), "1000000 éléments");
});

Deno.test("xml: a declared encoding other than UTF-8 is refused", () => {
  assertRefused(devisXml(edit(DEVIS_XML, "UTF-8", "ISO-8859-1")), "ISO-8859-1", "UTF-8");
  assertAccepted(devisXml(edit(DEVIS_XML, "UTF-8", "utf-8")));
  assertAccepted(devisXml(edit(DEVIS_XML, ' encoding="UTF-8"', "")));
  assertAccepted(devisXml(edit(DEVIS_XML, /^<\?xml[^>]*>\n/, "")));
});

// ---------------------------------------------------------------- XML: structure

Deno.test("xml: the root must match the document type", () => {
  assertRefused(commandeXml(DEVIS_XML), "<Devis>", "<BonCommande>");
  assertRefused(devisXml(COMMANDE_XML), "<BonCommande>", "<Devis>");
  const renamed = edit(edit(DEVIS_XML, "<Devis>", "<Facture>"), "</Devis>", "</Facture>");
  assertRefused(devisXml(renamed), "<Facture>");
  const prefixed = edit(
    edit(DEVIS_XML, "<Devis>", '<s:Devis xmlns:s="u">'),
    "</Devis>",
    "</s:Devis>",
  );
  assertRefused(devisXml(prefixed), "s:Devis");
});

Deno.test("xml: the reference must be the export's", () => {
  assertRefused(
    devisXml(edit(DEVIS_XML, DEVIS_REF, "DV-1730000000009")),
    DEVIS_REF,
    "DV-1730000000009",
  );
  const result = checkDocument({
    bytes: encoder.encode(DEVIS_XML),
    format: "xml",
    documentType: "devis_client",
    reference: "DV-other",
  });
  assertRefused(result, "DV-other", "référence");
  const injected = edit(DEVIS_XML, DEVIS_REF, "DV-1\nFAUX ; tout va bien.");
  assertRefused(devisXml(injected), "référence");
});

Deno.test("xml: required fields must be present", () => {
  const cases: [string, string, string][] = [
    [`  <Reference>${DEVIS_REF}</Reference>\n`, "", "<Reference>"],
    ["  <Date>2025-10-14</Date>\n", "", "<Date>"],
    ["<Nom><![CDATA[Dupont &amp; Fils Rénovation]]></Nom>", "", "<Client/Nom>"],
    ["<Numero>2</Numero>", "", "Numero"],
    ["<Designation><![CDATA[Pose et dépose de l'existant]]></Designation>", "", "Designation"],
    ["<Quantite>4</Quantite>", "", "Quantite"],
    ["<PrixUnitaire>185.00</PrixUnitaire>", "", "PrixUnitaire"],
    ["<MontantHT>740.00</MontantHT>", "", "MontantHT"],
    ["<TotalHT>3190.00</TotalHT>", "", "TotalHT"],
    ["<TotalTVA>319.00</TotalTVA>", "", "TotalTVA"],
    ["<TotalTTC>3509.00</TotalTTC>", "", "TotalTTC"],
  ];
  for (const [from, to, needle] of cases) {
    assertRefused(devisXml(edit(DEVIS_XML, from, to)), needle);
  }
  const noClient = edit(DEVIS_XML, /<Client>[\s\S]*<\/Client>/, "");
  assertRefused(devisXml(noClient), "<Client>");
  const noLines = edit(DEVIS_XML, /<Lignes>[\s\S]*<\/Lignes>/, "");
  assertRefused(devisXml(noLines), "<Lignes>");
  const emptyLines = edit(DEVIS_XML, /<Lignes>[\s\S]*<\/Lignes>/, "<Lignes></Lignes>");
  assertRefused(devisXml(emptyLines), "aucune <Ligne>");
  const noTotals = edit(DEVIS_XML, /<Totaux>[\s\S]*<\/Totaux>/, "");
  assertRefused(devisXml(noTotals), "<Totaux>");
  assertRefused(
    commandeXml(
      edit(COMMANDE_XML, /<Fournisseur>/, "<Client>").replace("</Fournisseur>", "</Client>"),
    ),
    "<Fournisseur>",
  );
});

Deno.test("xml: a missing field in a line names the line", () => {
  const result = devisXml(edit(DEVIS_XML, "<MontantHT>740.00</MontantHT>", ""));
  assertRefused(result, "MontantHT", "Ligne n°2", "ligne 17 du fichier");
});

Deno.test("xml: empty, repeated or structured fields are refused", () => {
  assertRefused(devisXml(edit(DEVIS_XML, `>${DEVIS_REF}<`, "><")), "<Reference> est vide");
  assertRefused(
    devisXml(edit(DEVIS_XML, "<![CDATA[Dupont &amp; Fils Rénovation]]>", "  ")),
    "Client/Nom",
    "vide",
  );
  assertRefused(
    devisXml(edit(DEVIS_XML, "<![CDATA[Pose et dépose de l'existant]]>", "")),
    "Designation",
    "vide",
  );
  const twice = edit(DEVIS_XML, "<Date>", `<Reference>${DEVIS_REF}</Reference><Date>`);
  assertRefused(devisXml(twice), "<Reference>", "2 fois");
  const nested = edit(DEVIS_XML, "<Date>2025-10-14</Date>", "<Date><b>2025-10-14</b></Date>");
  assertRefused(devisXml(nested), "<Date>", "éléments");
});

Deno.test("xml: dates must be real YYYY-MM-DD dates", () => {
  for (
    const date of [
      "2025-02-30",
      "2025-13-01",
      "2025-00-10",
      "2023-02-29",
      "14/10/2025",
      "2025-1-4",
      "",
    ]
  ) {
    const result = devisXml(edit(DEVIS_XML, "2025-10-14<", `${date}<`));
    if (date === "") assertRefused(result, "date");
    else assertRefused(result, date, "date");
  }
  assertAccepted(devisXml(edit(DEVIS_XML, "2025-10-14<", "2024-02-29<")));
  assertAccepted(devisXml(edit(DEVIS_XML, "2025-10-14<", "2000-02-29<")));
  assertRefused(devisXml(edit(DEVIS_XML, "2025-10-14<", "1900-02-29<")), "1900-02-29");
});

Deno.test("xml: numbers must be decimals with a dot", () => {
  assertRefused(
    devisXml(edit(DEVIS_XML, "<MontantHT>740.00", "<MontantHT>740,00")),
    "740,00",
    "MontantHT",
  );
  assertRefused(devisXml(edit(DEVIS_XML, "<MontantHT>740.00", "<MontantHT>740.001")), "740.001");
  assertRefused(
    devisXml(edit(DEVIS_XML, "<Quantite>4</Quantite>", "<Quantite>quatre</Quantite>")),
    "Quantite",
  );
  assertRefused(
    devisXml(edit(DEVIS_XML, "<PrixUnitaire>185.00", "<PrixUnitaire>1e2")),
    "PrixUnitaire",
  );
  assertRefused(devisXml(edit(DEVIS_XML, "<Numero>2</Numero>", "<Numero>deux</Numero>")), "Numero");
  assertRefused(devisXml(edit(DEVIS_XML, "<TotalTVA>319.00", "<TotalTVA>")), "TotalTVA");
  assertAccepted(devisXml(edit(DEVIS_XML, "<Quantite>4</Quantite>", "<Quantite>4.125</Quantite>")));
});

Deno.test("xml: totals off by one cent are refused", () => {
  assertRefused(
    devisXml(edit(DEVIS_XML, "<TotalHT>3190.00", "<TotalHT>3190.01")),
    "somme des lignes (3 190,00)",
    "TotalHT (3 190,01)",
  );
  assertRefused(
    devisXml(edit(DEVIS_XML, "<MontantHT>740.00", "<MontantHT>739.99")),
    "somme des lignes (3 189,99)",
    "TotalHT (3 190,00)",
  );
  assertRefused(
    commandeXml(edit(COMMANDE_XML, "<TotalHT>661.00", "<TotalHT>660.99")),
    "TotalHT (660,99)",
  );
});

Deno.test("xml: a wrong TVA sum is refused", () => {
  assertRefused(
    devisXml(edit(DEVIS_XML, "<TotalTTC>3509.00", "<TotalTTC>3509.01")),
    "TotalTVA (319,00)",
    "TotalTTC (3 509,01)",
  );
  assertRefused(
    devisXml(edit(DEVIS_XML, "<TotalTVA>319.00", "<TotalTVA>318.99")),
    "TotalTTC",
  );
});

Deno.test("xml: cents are exact, without floating-point error", () => {
  // 0.10 + 0.20 = 0.30 exactly in cents (0.1 + 0.2 !== 0.3 in floating point).
  const lines = edit(
    edit(DEVIS_XML, "<MontantHT>2450.00", "<MontantHT>0.10"),
    "<MontantHT>740.00",
    "<MontantHT>0.2",
  );
  const totals = edit(
    edit(edit(lines, "<TotalHT>3190.00", "<TotalHT>0.30"), "<TotalTVA>319.00", "<TotalTVA>0.06"),
    "<TotalTTC>3509.00",
    "<TotalTTC>0.36",
  );
  assertAccepted(devisXml(totals));
  const big = edit(
    edit(
      edit(
        edit(DEVIS_XML, "<MontantHT>2450.00", "<MontantHT>90071992547409.91"),
        "<MontantHT>740.00",
        "<MontantHT>0.01",
      ),
      "<TotalHT>3190.00",
      "<TotalHT>90071992547409.92",
    ),
    "<TotalTTC>3509.00",
    "<TotalTTC>90071992547728.92",
  );
  assertAccepted(devisXml(big));
});

Deno.test("xml: negative amounts (discount lines) are summed", () => {
  const discount = edit(
    edit(DEVIS_XML, "<MontantHT>740.00", "<MontantHT>-10.00"),
    "<PrixUnitaire>185.00",
    "<PrixUnitaire>-2.50",
  );
  const totals = edit(
    edit(discount, "<TotalHT>3190.00", "<TotalHT>2440.00"),
    "<TotalTTC>3509.00",
    "<TotalTTC>2759.00",
  );
  assertAccepted(devisXml(totals));
});

// ---------------------------------------------------------------- CSV

Deno.test("csv: line endings and final newline variants pass", () => {
  assertAccepted(devisCsv(DEVIS_CSV.replaceAll("\n", "\r\n")));
  assertAccepted(devisCsv(DEVIS_CSV.trimEnd()));
  assertAccepted(commandeCsv(COMMANDE_CSV.trimEnd()));
});

Deno.test("csv: stray carriage returns, blank and control-character lines are refused", () => {
  assertRefused(devisCsv(DEVIS_CSV.replaceAll("\n", "\r")), "retour chariot");
  assertRefused(devisCsv(DEVIS_CSV + "\n"), "ligne 4", "vide");
  const lines = DEVIS_CSV.split("\n");
  assertRefused(devisCsv([lines[0], lines[1], "", lines[2]].join("\n")), "ligne 3", "vide");
  assertRefused(devisCsv(edit(DEVIS_CSV, "Pose", "Po\u0000se")), "contrôle");
});

Deno.test("csv: the header must be exact", () => {
  assertRefused(devisCsv(COMMANDE_CSV), "colonne 4", "ClientNom", "FournisseurNom");
  assertRefused(commandeCsv(DEVIS_CSV), "colonne 4", "FournisseurNom", "ClientNom");
  assertRefused(devisCsv(edit(DEVIS_CSV, "Type;", "type;")), "colonne 1", "Type");
  assertRefused(devisCsv(edit(DEVIS_CSV, "TotalTTC\n", "TotalTTC;Extra\n")), "colonne 12", "Extra");
  assertRefused(devisCsv(edit(DEVIS_CSV, ";TotalTTC\n", "\n")), "colonne 11", "TotalTTC");
  assertRefused(devisCsv(edit(DEVIS_CSV, "Type;Reference", "Type,Reference")), "colonne 1");
  assertRefused(devisCsv(""), "colonne 1");
  assertRefused(devisCsv(DEVIS_XML), "en-tête");
});

Deno.test("csv: at least one data row is required", () => {
  const header = DEVIS_CSV.split("\n")[0];
  assertRefused(devisCsv(header), "aucune ligne de données");
  assertRefused(devisCsv(header + "\n"), "aucune ligne de données");
});

Deno.test("csv: every row has 11 columns", () => {
  assertRefused(
    devisCsv(edit(DEVIS_CSV, "Pose et dépose", "Pose; dépose")),
    "ligne 3",
    "12 colonnes",
  );
  assertRefused(devisCsv(edit(DEVIS_CSV, "740.00;;;", "740.00;;")), "ligne 3", "10 colonnes");
});

Deno.test("csv: a line break inside a designation is refused for what it is: its line, and what Saxium must replace", () => {
  assert.deepEqual(devisCsv(edit(DEVIS_CSV, "Pose et dépose", "Pose et\ndépose")), {
    ok: false,
    reason:
      "La ligne 3 du CSV : la désignation contient un retour à la ligne, qui coupe la ligne " +
      "du CSV en deux (lignes 3 et 4 du fichier) ; Saxium doit le remplacer par un espace, puis " +
      "ré-exporter le document.",
  });
  // A Windows line break, on the first data row.
  assertRefused(
    devisCsv(edit(DEVIS_CSV, "Menuiserie PVC double", "Menuiserie PVC\r\ndouble")),
    "La ligne 2 du CSV : la désignation contient un retour à la ligne",
    "(lignes 2 et 3 du fichier)",
  );
  // Two breaks, one in the client's name, one in the designation.
  const twice = edit(
    DEVIS_CSV,
    "Dupont & Fils Rénovation;Pose et dépose",
    "Dupont & Fils\nRénovation;Pose et\ndépose",
  );
  assertRefused(
    devisCsv(twice),
    "La ligne 3 du CSV : le nom du client et la désignation contiennent des retours à la ligne, " +
      "qui coupent la ligne du CSV en trois (lignes 3 à 5 du fichier) ; Saxium doit les remplacer",
  );
  assertRefused(
    commandeCsv(edit(COMMANDE_CSV, "Rail R48", "Rail\nR48")),
    "la désignation contient un retour à la ligne",
  );
  // A semicolon missing is not a line break: the next row does not complete it.
  const missing = edit(DEVIS_CSV, "120x135;4;", "120x135 4;");
  assertRefused(devisCsv(missing), "La ligne 2 du CSV compte 10 colonnes au lieu de 11");
});

Deno.test("a document with no line is refused, saying Batigest would have nothing to import", () => {
  for (const empty of ["<Lignes/>", "<Lignes></Lignes>", "<Lignes>\n  </Lignes>"]) {
    const text = edit(DEVIS_XML, /<Lignes>[\s\S]*<\/Lignes>/, empty)
      .replace(/<(TotalHT|TotalTVA|TotalTTC)>[^<]*</g, "<$1>0.00<");
    assertRefused(
      devisXml(text),
      "L'élément <Lignes> ne contient aucune <Ligne> : un devis client sans ligne n'a rien à " +
        "importer dans Batigest, qui reçoit un document par ses lignes ; ajoutez-lui ses lignes " +
        "dans Saxium puis ré-exportez-le.",
    );
  }
  assertRefused(
    commandeXml(edit(COMMANDE_XML, /<Lignes>[\s\S]*<\/Lignes>/, "<Lignes/>")),
    "un bon de commande sans ligne",
  );
  assertRefused(devisCsv(DEVIS_CSV.split("\n")[0] + "\n"), "un document sans ligne");
});

Deno.test("csv: type and reference must match", () => {
  assertRefused(devisCsv(edit(DEVIS_CSV, "\nDEVIS;", "\nFACTURE;")), "ligne 2", "FACTURE", "DEVIS");
  assertRefused(
    commandeCsv(edit(COMMANDE_CSV, /BON_COMMANDE;(?=[^\n]*\n?$)/, "DEVIS;")),
    "ligne 3",
    "BON_COMMANDE",
  );
  assertRefused(
    devisCsv(edit(DEVIS_CSV, /DV-1730000000001(?=[^\n]*\n?$)/, "DV-1730000000009")),
    "ligne 3",
    "DV-1730000000009",
  );
});

Deno.test("csv: dates must be valid and the same on every row", () => {
  assertRefused(devisCsv(edit(DEVIS_CSV, "2025-10-14", "2025-02-30")), "2025-02-30", "ligne 2");
  assertRefused(
    devisCsv(edit(DEVIS_CSV, /2025-10-14(?=[^\n]*\n?$)/, "2025-10-15")),
    "ligne 3",
    "diffère",
  );
});

Deno.test("csv: required text cells must not be empty", () => {
  assertRefused(devisCsv(edit(DEVIS_CSV, "Dupont & Fils Rénovation", "")), "ClientNom", "ligne 2");
  assertRefused(commandeCsv(edit(COMMANDE_CSV, "Point.P Matériaux", " ")), "FournisseurNom");
  assertRefused(
    devisCsv(edit(DEVIS_CSV, "Pose et dépose de l'existant", "")),
    "Designation",
    "ligne 3",
  );
});

Deno.test("csv: numbers must be decimals with a dot", () => {
  assertRefused(devisCsv(edit(DEVIS_CSV, ";4;185.00;", ";quatre;185.00;")), "Quantite", "ligne 3");
  assertRefused(devisCsv(edit(DEVIS_CSV, ";4;185.00;", ";4;185,00;")), "PrixUnitaire", "ligne 3");
  assertRefused(devisCsv(edit(DEVIS_CSV, "740.00;", "740,00;")), "MontantHT", "ligne 3");
  assertRefused(devisCsv(edit(DEVIS_CSV, ";319.00;", ";3,19;")), "TotalTVA", "ligne 2");
});

Deno.test("csv: totals belong to the first data row only", () => {
  assertRefused(devisCsv(edit(DEVIS_CSV, "3190.00;319.00;3509.00", ";;")), "TotalHT", "ligne 2");
  assertRefused(
    devisCsv(edit(DEVIS_CSV, "740.00;;;", "740.00;3190.00;;")),
    "ligne 3",
    "TotalHT",
    "première ligne",
  );
  assertRefused(devisCsv(edit(DEVIS_CSV, "740.00;;;", "740.00;;;3509.00")), "ligne 3", "TotalTTC");
  const moved = edit(
    edit(DEVIS_CSV, "3190.00;319.00;3509.00", ";;"),
    "740.00;;;",
    "740.00;3190.00;319.00;3509.00",
  );
  assertRefused(devisCsv(moved), "ligne 2");
});

Deno.test("csv: totals must add up to the cent", () => {
  assertRefused(
    devisCsv(edit(DEVIS_CSV, ";3190.00;", ";3190.01;")),
    "somme des lignes (3 190,00)",
    "TotalHT (3 190,01)",
  );
  assertRefused(devisCsv(edit(DEVIS_CSV, ";3509.00", ";3509.01")), "TotalTTC (3 509,01)");
  assertRefused(
    commandeCsv(edit(COMMANDE_CSV, ";124.00;", ";124.01;")),
    "somme des lignes (661,01)",
  );
});
