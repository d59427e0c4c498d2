/**
 * Checks a Saxium export (XML or CSV) before it is handed to Batigest: the
 * bytes must be the document announced, complete and consistent. The bytes
 * are only read, never modified or re-serialised.
 *
 * @module
 */

import { SaxesParser } from "saxes";
import type { DocumentFormat } from "../base/config.ts";
import { formatCents } from "../base/french.ts";

/** Format of an exported document. */

/** What a document claims to be: the export Saxium announced. */
export interface DocumentDescription {
  /** The file's format. */
  format: DocumentFormat;
  /** Saxium's document type: `devis_client` or `bon_commande`. */
  documentType: string;
  /** The export's `documentReference`; the document must carry the same one. */
  reference: string;
}

/** A document to check, as downloaded from Saxium. */
export interface DocumentCheckInput extends DocumentDescription {
  /** The file's bytes, exactly as received. */
  bytes: Uint8Array;
}

/** Limits applied by {@linkcode checkDocument}. */
export interface DocumentCheckOptions {
  /** Largest document accepted, in bytes (default 20 MiB). */
  maxBytes?: number;
  /** Deepest XML element nesting accepted (default 64). */
  maxDepth?: number;
  /** Most XML elements accepted in one document (default 100,000). */
  maxElements?: number;
}

/** Outcome of a check: `reason` is one line of French for the operator. */
export type DocumentCheckResult = { ok: true } | { ok: false; reason: string };

const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 64;
const DEFAULT_MAX_ELEMENTS = 1_000_000;

const FIX_IN_SAXIUM = "corrigez le document dans Saxium puis ré-exportez-le.";

/** What distinguishes the two supported kinds of document. */
interface DocumentKind {
  label: string;
  xmlRoot: string;
  xmlParty: string;
  csvType: string;
  csvHeader: readonly string[];
}

const CSV_COLUMNS = 11;
const LINE_FIELDS = ["Numero", "Designation", "Quantite", "PrixUnitaire", "MontantHT"] as const;
const TOTAL_FIELDS = ["TotalHT", "TotalTVA", "TotalTTC"] as const;

const KINDS: ReadonlyMap<string, DocumentKind> = new Map([
  ["devis_client", {
    label: "un devis client",
    xmlRoot: "Devis",
    xmlParty: "Client",
    csvType: "DEVIS",
    csvHeader: csvHeader("ClientNom"),
  }],
  ["bon_commande", {
    label: "un bon de commande",
    xmlRoot: "BonCommande",
    xmlParty: "Fournisseur",
    csvType: "BON_COMMANDE",
    csvHeader: csvHeader("FournisseurNom"),
  }],
]);

/** A check that failed; `reason` is the message for the operator. */
class CheckFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** The parsed XML, reduced to what the checks need. */
interface XmlElement {
  name: string;
  line: number;
  text: string;
  children: XmlElement[];
}

/** Amounts of one document line, in cents. */
interface Totals {
  lines: bigint[];
  totalHT: bigint;
  totalTVA: bigint;
  totalTTC: bigint;
}

/**
 * Bytes are decoded and checked this many at a time: small enough that each
 * chunk's text dies young (V8 puts a string of more than about 128 KB, i.e. a
 * 64 KiB chunk with accents, straight into its old generation, which only a
 * full collection frees).
 */
const CHUNK_BYTES = 16 * 1024;

/**
 * Checks that a downloaded document is the one announced and is consistent:
 * well-formed, right type and reference, required fields present, dates and
 * amounts valid, and totals adding up to the cent.
 *
 * @example
 * ```ts
 * const result = checkDocument({
 *   bytes: await Deno.readFile("devis-DV-1.xml"),
 *   format: "xml",
 *   documentType: "devis_client",
 *   reference: "DV-1",
 * });
 * if (!result.ok) console.error(result.reason);
 * ```
 */
export function checkDocument(
  input: DocumentCheckInput,
  options: DocumentCheckOptions = {},
): DocumentCheckResult {
  try {
    const check = startCheck(input, input.bytes.byteLength, options);
    for (let offset = 0; offset < input.bytes.length; offset += CHUNK_BYTES) {
      check.write(input.bytes.subarray(offset, offset + CHUNK_BYTES));
    }
    check.end();
    return { ok: true };
  } catch (error) {
    return refusal(error);
  }
}

/**
 * {@linkcode checkDocument} on a file, read 16 KiB at a time so that a large
 * document never sits whole in memory; between two chunks of a large one the
 * agent gets on with its other work.
 */
export async function checkDocumentFile(
  path: string,
  document: DocumentDescription,
  options: DocumentCheckOptions = {},
): Promise<DocumentCheckResult> {
  try {
    using file = Deno.openSync(path, { read: true });
    const size = file.statSync().size;
    const check = startCheck(document, size, options);
    const buffer = new Uint8Array(CHUNK_BYTES);
    while (true) {
      // A small file is read at once; a large one lets other work run meanwhile.
      const n = size > CHUNK_BYTES ? await file.read(buffer) : file.readSync(buffer);
      if (n === null) break;
      check.write(buffer.subarray(0, n));
    }
    check.end();
    return { ok: true };
  } catch (error) {
    return refusal(error);
  }
}

function refusal(error: unknown): DocumentCheckResult {
  if (error instanceof CheckFailure) return { ok: false, reason: error.reason };
  throw error;
}

/** A check fed with the text as it comes, then told the text is complete. */
interface TextCheck {
  write(text: string): void;
  end(): void;
}

/** Checks what can be known before reading, then returns the check of the bytes. */
function startCheck(
  document: DocumentDescription,
  byteLength: number,
  options: DocumentCheckOptions,
): { write(chunk: Uint8Array): void; end(): void } {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (byteLength > maxBytes) {
    fail(
      `Le document fait ${byteLength} octets, au-delà de la limite de ${maxBytes} ` +
        `octets ; vérifiez le document dans Saxium, cette taille est anormale pour ${
          KINDS.get(document.documentType)?.label ?? "un document"
        }.`,
    );
  }
  const kind = KINDS.get(document.documentType);
  if (kind === undefined) {
    fail(
      `Le type de document ${show(document.documentType)} n'est pas pris en charge par cette ` +
        `version de l'agent (seuls devis_client et bon_commande le sont) ; importez ce document ` +
        `manuellement dans Batigest ou mettez à jour l'agent.`,
    );
  }
  if (document.format !== "xml" && document.format !== "csv") {
    fail(
      `Le format ${
        show(String(document.format))
      } n'est pas pris en charge (xml ou csv attendu) ; ` +
        `vérifiez l'export dans Saxium.`,
    );
  }
  const reference = document.reference.trim();
  const text = document.format === "xml"
    ? xmlCheck(kind, reference, options)
    : csvCheck(kind, reference);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const decode = (chunk?: Uint8Array): string => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      fail(
        `Le document n'est pas un texte UTF-8 valide ; corrigez l'encodage de l'export dans ` +
          `Saxium puis ré-exportez-le.`,
      );
    }
  };
  return {
    write: (chunk) => text.write(decode(chunk)),
    end() {
      text.write(decode());
      text.end();
    },
  };
}

// ---------------------------------------------------------------- XML

function xmlCheck(
  kind: DocumentKind,
  reference: string,
  options: DocumentCheckOptions,
): TextCheck {
  const amounts: bigint[] = [];
  let lineCount = 0;
  let lineFailure: string | undefined;
  const onClose = (line: XmlElement, parent: XmlElement | undefined, depth: number) => {
    if (line.name !== "Ligne" || parent?.name !== "Lignes" || depth !== 2) return false;
    const index = lineCount++;
    if (lineFailure) return true;
    try {
      const where = `Ligne n°${index + 1} (ligne ${line.line} du fichier)`;
      const values = Object.fromEntries(
        LINE_FIELDS.map((field) => [field, leafText(line, field, `<${field}> de la ${where}`)]),
      ) as Record<(typeof LINE_FIELDS)[number], string>;
      if (!/^\d+$/.test(values.Numero)) {
        fail(
          `Le champ <Numero> de la ${where} n'est pas un entier (${show(values.Numero)}) ; ` +
            FIX_IN_SAXIUM,
        );
      }
      if (values.Designation === "") {
        fail(`Le champ <Designation> de la ${where} est vide ; ${FIX_IN_SAXIUM}`);
      }
      checkNumber(values.Quantite, `<Quantite> de la ${where}`);
      checkNumber(values.PrixUnitaire, `<PrixUnitaire> de la ${where}`);
      amounts.push(toCents(values.MontantHT, `<MontantHT> de la ${where}`));
    } catch (error) {
      if (!(error instanceof CheckFailure)) throw error;
      lineFailure = error.reason;
    }
    return true;
  };
  const parser = xmlParser(options, onClose);
  return {
    write: parser.write,
    end() {
      const root = parser.end();
      if (root.name !== kind.xmlRoot) {
        fail(
          `L'élément racine du XML est <${showName(root.name)}> alors que <${kind.xmlRoot}> est ` +
            `attendu pour ${kind.label} ; vérifiez le type du document dans Saxium puis ` +
            `ré-exportez-le.`,
        );
      }

      const documentReference = leafText(root, "Reference", "<Reference>");
      if (documentReference === "") fail(`Le champ <Reference> est vide ; ${FIX_IN_SAXIUM}`);
      checkReference(documentReference, reference, "<Reference>");

      checkDate(leafText(root, "Date", "<Date>"), "<Date>");

      const party = single(root, kind.xmlParty, `<${kind.xmlParty}>`);
      const partyPath = `${kind.xmlParty}/Nom`;
      if (leafText(party, "Nom", `<${partyPath}>`) === "") {
        fail(`Le champ <${partyPath}> est vide ; ${FIX_IN_SAXIUM}`);
      }

      single(root, "Lignes", "<Lignes>");
      if (lineFailure) fail(lineFailure);
      if (lineCount === 0) {
        fail(`L'élément <Lignes> ne contient aucune <Ligne> ; ${FIX_IN_SAXIUM}`);
      }
      const totaux = single(root, "Totaux", "<Totaux>");
      const [totalHT, totalTVA, totalTTC] = TOTAL_FIELDS.map((field) =>
        toCents(leafText(totaux, field, `<Totaux/${field}>`), `<Totaux/${field}>`)
      );
      checkTotals({ lines: amounts, totalHT, totalTVA, totalTTC });
    },
  };
}

/**
 * Parses the text, as it comes, into a tree, refusing DOCTYPE, deep nesting
 * and bad XML. `onClose` may take an element out of the tree once closed
 * (returns true), so that long lists of lines never pile up in memory.
 */
function xmlParser(
  options: DocumentCheckOptions,
  onClose?: (element: XmlElement, parent: XmlElement | undefined, depth: number) => boolean,
): { write(text: string): void; end(): XmlElement } {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxElements = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let elementCount = 0;

  parser.on("error", (error) => {
    const match = /^(\d+):(\d+): (.*)$/s.exec(error.message);
    const where = match ? `ligne ${match[1]}, colonne ${match[2]}` : "position inconnue";
    const detail = xmlProblem(match ? match[3] : error.message);
    fail(`Le XML est mal formé (${where} : ${detail}) ; ${FIX_IN_SAXIUM}`);
  });
  parser.on("doctype", () => {
    fail(
      `Le XML contient une déclaration DOCTYPE (ligne ${parser.line}), refusée par sécurité ` +
        `(entités) ; ${FIX_IN_SAXIUM}`,
    );
  });
  parser.on("xmldecl", (declaration) => {
    const encoding = declaration.encoding;
    if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) {
      fail(
        `Le XML déclare l'encodage ${show(encoding)} alors que seul UTF-8 est accepté ; ` +
          FIX_IN_SAXIUM,
      );
    }
  });
  parser.on("opentag", (tag) => {
    elementCount++;
    if (stack.length >= maxDepth) {
      fail(
        `Le XML imbrique plus de ${maxDepth} niveaux d'éléments (ligne ${parser.line}) ; ` +
          FIX_IN_SAXIUM,
      );
    }
    if (elementCount > maxElements) {
      fail(
        `Le XML contient plus de ${maxElements} éléments (ligne ${parser.line}) ; ` +
          `vérifiez le document dans Saxium, cette taille est anormale.`,
      );
    }
    const element: XmlElement = { name: tag.name, line: parser.line, text: "", children: [] };
    const parent = stack.at(-1);
    if (parent) parent.children.push(element);
    else root = element;
    stack.push(element);
  });
  parser.on("closetag", () => {
    const element = stack.pop()!;
    const parent = stack.at(-1);
    if (onClose?.(element, parent, stack.length)) parent!.children.pop();
  });
  parser.on("text", (chunk) => {
    const current = stack.at(-1);
    if (current) current.text += chunk;
  });
  parser.on("cdata", (chunk) => {
    const current = stack.at(-1);
    if (current) current.text += chunk;
  });

  return {
    write(text) {
      parser.write(text);
    },
    end() {
      parser.close();
      if (root === undefined) fail(`Le XML ne contient aucun élément ; ${FIX_IN_SAXIUM}`);
      return root;
    },
  };
}

/** The only child named `name`; missing or repeated is an error. */
function single(parent: XmlElement, name: string, label: string): XmlElement {
  const found = parent.children.filter((child) => child.name === name);
  if (found.length === 0) {
    fail(`Le champ obligatoire ${label} est absent ; ${FIX_IN_SAXIUM}`);
  }
  if (found.length > 1) {
    fail(`Le champ ${label} apparaît ${found.length} fois au lieu d'une ; ${FIX_IN_SAXIUM}`);
  }
  return found[0];
}

/** The trimmed text of the only child named `name`, which must hold text only. */
function leafText(parent: XmlElement, name: string, label: string): string {
  const element = single(parent, name, label);
  if (element.children.length > 0) {
    fail(
      `Le champ ${label} contient des éléments au lieu d'un simple texte (ligne ` +
        `${element.line}) ; ${FIX_IN_SAXIUM}`,
    );
  }
  return element.text.trim();
}

// ---------------------------------------------------------------- CSV

function csvCheck(kind: DocumentKind, reference: string): TextCheck {
  const partyColumn = kind.csvHeader[3];
  let headerSeen = false;
  let firstDate = "";
  const amounts: bigint[] = [];
  let totals: bigint[] = [];
  let index = 0;
  let blank: string | undefined; // an empty line is fine only as the very last one
  let rest = ""; // the start of a line whose end has not come yet

  const checkHeader = (raw: string) => {
    const header = csvLine(raw).split(";");
    for (let i = 0; i < Math.max(header.length, kind.csvHeader.length); i++) {
      if (header[i] !== kind.csvHeader[i]) {
        const expected = kind.csvHeader[i] === undefined ? "aucune" : show(kind.csvHeader[i]);
        const found = header[i] === undefined ? "aucune" : show(header[i]);
        fail(
          `L'en-tête du CSV est incorrect pour ${kind.label} : colonne ${i + 1} ${expected} ` +
            `attendue, ${found} trouvée ; vérifiez le type du document dans Saxium puis ` +
            `ré-exportez-le.`,
        );
      }
    }
  };

  const checkRow = (raw: string) => {
    index++;
    const where = `ligne ${index + 1} du CSV`;
    if (blank) fail(`La ${blank} est vide ; ${FIX_IN_SAXIUM}`);
    const line = csvLine(raw);
    if (line.trim() === "") {
      blank = where;
      return;
    }
    if (/\p{Cc}/u.test(line.replaceAll("\t", ""))) {
      fail(`La ${where} contient un caractère de contrôle ; ${FIX_IN_SAXIUM}`);
    }
    const cells = line.split(";");
    if (cells.length !== CSV_COLUMNS) {
      fail(
        `La ${where} compte ${cells.length} colonnes au lieu de ${CSV_COLUMNS} (point-virgule ` +
          `en trop ou manquant) ; ${FIX_IN_SAXIUM}`,
      );
    }
    const [type, rowReference, date, party, designation, quantity, unitPrice, amount] = cells;
    if (type !== kind.csvType) {
      fail(
        `La ${where} a le type ${show(type)} au lieu de ${show(kind.csvType)} ; vérifiez le ` +
          `type du document dans Saxium puis ré-exportez-le.`,
      );
    }
    checkReference(rowReference.trim(), reference, `Reference de la ${where}`);
    checkDate(date.trim(), `Date de la ${where}`);
    if (index === 1) firstDate = date.trim();
    else if (date.trim() !== firstDate) {
      fail(
        `La Date de la ${where} (${show(date.trim())}) diffère de celle de la première ligne ` +
          `(${show(firstDate)}) ; ${FIX_IN_SAXIUM}`,
      );
    }
    if (party.trim() === "") {
      fail(`Le champ ${partyColumn} de la ${where} est vide ; ${FIX_IN_SAXIUM}`);
    }
    if (designation.trim() === "") {
      fail(`Le champ Designation de la ${where} est vide ; ${FIX_IN_SAXIUM}`);
    }
    checkNumber(quantity.trim(), `Quantite de la ${where}`);
    checkNumber(unitPrice.trim(), `PrixUnitaire de la ${where}`);
    amounts.push(toCents(amount.trim(), `MontantHT de la ${where}`));

    const totalCells = cells.slice(8);
    if (index === 1) {
      totals = totalCells.map((cell, i) =>
        toCents(cell.trim(), `${TOTAL_FIELDS[i]} de la ${where} (première ligne de données)`)
      );
    } else {
      const filled = totalCells.findIndex((cell) => cell.trim() !== "");
      if (filled !== -1) {
        fail(
          `La ${where} renseigne ${TOTAL_FIELDS[filled]} alors que les totaux ne figurent que ` +
            `sur la première ligne de données ; ${FIX_IN_SAXIUM}`,
        );
      }
    }
  };

  // Lines end with `\n` (or `\r\n`); the first one is the header.
  const takeLine = (raw: string) => {
    if (headerSeen) checkRow(raw);
    else {
      checkHeader(raw);
      headerSeen = true;
    }
  };

  return {
    write(text) {
      const parts = (rest + text).split("\n");
      rest = parts.pop()!;
      for (const part of parts) takeLine(part);
    },
    end() {
      takeLine(rest);
      if (amounts.length === 0) {
        fail(`Le CSV ne contient aucune ligne de données après l'en-tête ; ${FIX_IN_SAXIUM}`);
      }
      const [totalHT, totalTVA, totalTTC] = totals;
      checkTotals({ lines: amounts, totalHT, totalTVA, totalTTC });
    },
  };
}

/** A CSV line without its `\r\n` ending; a carriage return anywhere else is refused. */
function csvLine(raw: string): string {
  const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
  if (line.includes("\r")) {
    fail(
      `Le CSV contient un retour chariot isolé (fins de ligne \\n ou \\r\\n attendues) ; ` +
        FIX_IN_SAXIUM,
    );
  }
  return line;
}

function csvHeader(partyColumn: string): readonly string[] {
  return [
    "Type",
    "Reference",
    "Date",
    partyColumn,
    "Designation",
    "Quantite",
    "PrixUnitaire",
    "MontantHT",
    ...TOTAL_FIELDS,
  ];
}

// ---------------------------------------------------------------- shared rules

function checkReference(found: string, expected: string, field: string): void {
  if (found !== expected) {
    fail(
      `La référence ${show(found)} (${field}) ne correspond pas à celle de l'export ` +
        `${show(expected)} ; vérifiez que Saxium a exporté le bon document puis ré-exportez-le.`,
    );
  }
}

/** A `YYYY-MM-DD` date that exists in the calendar. */
function checkDate(value: string, field: string): void {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const valid = match !== null && (() => {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= monthDays[month - 1];
  })();
  if (!valid) {
    fail(
      `La date ${show(value)} (${field}) n'est pas une date valide au format AAAA-MM-JJ ; ` +
        FIX_IN_SAXIUM,
    );
  }
}

function checkNumber(value: string, field: string): void {
  if (!/^-?\d+(\.\d+)?$/.test(value)) {
    fail(
      `La valeur ${show(value)} (${field}) n'est pas un nombre décimal avec un point ; ` +
        FIX_IN_SAXIUM,
    );
  }
}

/** An amount with at most two decimals, as integer cents. */
function toCents(value: string, field: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(value);
  if (match === null) {
    fail(
      `Le montant ${show(value)} (${field}) n'est pas un nombre avec au plus deux décimales et ` +
        `un point ; ${FIX_IN_SAXIUM}`,
    );
  }
  const cents = BigInt(match[2]) * 100n + BigInt((match[3] ?? "").padEnd(2, "0"));
  return match[1] === "-" ? -cents : cents;
}

function checkTotals(totals: Totals): void {
  const sum = totals.lines.reduce((a, b) => a + b, 0n);
  if (sum !== totals.totalHT) {
    fail(
      `Le total ne correspond pas : la somme des lignes (${formatCents(sum)}) diffère de ` +
        `TotalHT (${formatCents(totals.totalHT)}) ; ${FIX_IN_SAXIUM}`,
    );
  }
  const ttc = totals.totalHT + totals.totalTVA;
  if (ttc !== totals.totalTTC) {
    fail(
      `Le total ne correspond pas : TotalHT (${formatCents(totals.totalHT)}) + TotalTVA ` +
        `(${formatCents(totals.totalTVA)}) = ${formatCents(ttc)} diffère de TotalTTC ` +
        `(${formatCents(totals.totalTTC)}) ; ${FIX_IN_SAXIUM}`,
    );
  }
}

// ---------------------------------------------------------------- messages

/** The XML parser's complaints a person may meet, in French (by their English start). */
const XML_PROBLEMS: [RegExp, string | ((m: RegExpExecArray) => string)][] = [
  [/^unexpected close tag/, "balise fermante inattendue"],
  [
    /^unmatched closing tag: (.*?)\.?$/,
    (m) => `balise fermante </${showName(m[1])}> sans ouverture`,
  ],
  [/^unclosed tag: (.*)$/, (m) => `balise <${showName(m[1])}> jamais fermée`],
  [/^unexpected end/, "fin du document inattendue (document tronqué ?)"],
  [/^text data outside of root node/, "texte en dehors de l'élément racine"],
  [/^documents may contain only one root/, "plusieurs éléments racines"],
  [/^document must contain a root element/, "aucun élément racine"],
  [/^disallowed character/, "caractère interdit"],
  [/^malformed character entity/, "entité de caractère mal formée (& non échappé ?)"],
  [/^(?:duplicate attribute)/, "attribut en double"],
  [/^(?:unquoted attribute value|value must be quoted)/, "valeur d'attribut sans guillemets"],
  [/^malformed comment/, "commentaire mal formé"],
  [/^(?:an XML declaration|the XML declaration) must/, "déclaration XML ailleurs qu'au début"],
  [/^XML declaration/, "déclaration XML incomplète"],
  [/^malformed name/, "nom d'élément invalide"],
];

/** One French phrase for an XML parser message (a generic one for the rare others). */
function xmlProblem(message: string): string {
  for (const [pattern, words] of XML_PROBLEMS) {
    const m = pattern.exec(message.trim());
    if (m) return typeof words === "string" ? words : words(m);
  }
  return "syntaxe XML invalide";
}

function fail(reason: string): never {
  throw new CheckFailure(reason);
}

/** An untrusted value, quoted, on one line and short. */
function show(value: string): string {
  return `« ${oneLine(value, 40)} »`;
}

/** An untrusted element name, printable and short. */
function showName(value: string): string {
  return oneLine(value, 40);
}

function oneLine(value: string, maxLength: number): string {
  const clean = value.replace(/[\p{C}\u2028\u2029]/gu, "?");
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}…` : clean;
}
