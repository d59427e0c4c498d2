/**
 * Realistic Saxium documents (quotes and purchase orders, XML and CSV) shaped
 * like the samples in `/work/shared/fixtures/`, for tests, the demo and
 * benchmarks. The same reference and options always give the same lines, so
 * the XML and the CSV of one document agree; totals are computed in cents
 * with 20 % VAT.
 *
 * Text goes into CDATA as it is, as Batigest needs it. Saxium's generator
 * today XML-escapes it first (`<![CDATA[Dupont &amp; Fils]]>`, which
 * Batigest shows literally, and the agent warns about): `saxiumEscapes`
 * reproduces that.
 *
 * @module
 */
import type { SaxiumSimulator, SimExport } from "./saxium_simulator.ts";

/** Options shared by the document generators. */
export interface DocumentOptions {
  /** Number of lines; 2 by default. */
  lines?: number;
  /** Document date, `YYYY-MM-DD`; 2025-10-14 by default. */
  date?: string;
  /** Client (quote) or supplier (order) name. */
  name?: string;
  /** Text XML-escaped inside CDATA, as Saxium's generator does today (`&amp;`, `&apos;`…). */
  saxiumEscapes?: boolean;
  /** Export timestamp written in `<Metadata>`; 2025-10-14T09:12:44.120Z by default. */
  exportedAt?: string;
  /** Add lines until the document is at least this many bytes (benchmarks). */
  targetBytes?: number;
}

interface Line {
  designation: string;
  quantity: number;
  unitCents: number;
}

const QUOTE_ITEMS = [
  "Menuiserie PVC double vitrage 120x135",
  "Pose et dépose de l'existant",
  "Volet roulant électrique à lames alu",
  "Peinture acrylique mate, murs & plafonds",
  "Carrelage grès cérame 60x60 « Pierre de Bourgogne »",
  "Main d'œuvre électricien ; mise aux normes",
];
const ORDER_ITEMS = [
  "Plaque de plâtre BA13 2500x1200",
  "Rail R48 3m",
  "Montant M48 2,70 m",
  "Laine de verre 100 mm (rouleau)",
  "Vis TTPC 25 mm, boîte de 1000",
  "Enduit à joint prêt à l'emploi 25 kg",
];
const CLIENTS = ["Dupont & Fils Rénovation", "Mme Hélène Lefèvre", "SCI Les Érables"];
const SUPPLIERS = ["Point.P Matériaux", "Gedimat Côte d'Azur", "Würth France"];

/** A random UUID, as Saxium gives export ids. */
export function randomUuid(): string {
  return crypto.randomUUID();
}

/** XML of a client quote (`<Devis>`). */
export function quoteXml(ref: string, options: DocumentOptions = {}): string {
  return fitted(ref, options, false, (lines) => xml("Devis", "Client", ref, options, lines));
}

/** XML of a purchase order (`<BonCommande>`). */
export function orderXml(ref: string, options: DocumentOptions = {}): string {
  return fitted(
    ref,
    options,
    true,
    (lines) => xml("BonCommande", "Fournisseur", ref, options, lines),
  );
}

/** CSV of a client quote (`Type` = `DEVIS`). */
export function quoteCsv(ref: string, options: DocumentOptions = {}): string {
  return fitted(ref, options, false, (lines) => csv("DEVIS", "ClientNom", ref, options, lines));
}

/** CSV of a purchase order (`Type` = `BON_COMMANDE`). */
export function orderCsv(ref: string, options: DocumentOptions = {}): string {
  return fitted(
    ref,
    options,
    true,
    (lines) => csv("BON_COMMANDE", "FournisseurNom", ref, options, lines),
  );
}

/** Render with `options.lines` lines, or enough lines to reach `targetBytes`. */
function fitted(
  ref: string,
  options: DocumentOptions,
  isOrder: boolean,
  render: (lines: Line[]) => string,
): string {
  const count = options.lines ?? 2;
  const text = render(linesFor(ref, count, isOrder));
  if (!options.targetBytes || size(text) >= options.targetBytes) return text;
  const perLine =
    (size(render(linesFor(ref, 21, isOrder))) - size(render(linesFor(ref, 1, isOrder)))) / 20;
  let n = Math.max(count, Math.ceil((options.targetBytes - size(text)) / perLine) + count);
  let out = render(linesFor(ref, n, isOrder));
  for (let got = size(out); got < options.targetBytes; got = size(out)) {
    n = Math.ceil(n * options.targetBytes / got) + 10; // grow in proportion, not line by line
    out = render(linesFor(ref, n, isOrder));
  }
  return out;
}

function size(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Deterministic lines for a reference (a small PRNG seeded by the reference). */
function linesFor(ref: string, count: number, isOrder: boolean): Line[] {
  let seed = 2166136261;
  for (const ch of ref) seed = Math.imul(seed ^ ch.charCodeAt(0), 16777619) >>> 0;
  const next = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const items = isOrder ? ORDER_ITEMS : QUOTE_ITEMS;
  const lines: Line[] = [];
  for (let i = 0; i < count; i++) {
    lines.push({
      designation: items[Math.floor(next() * items.length)],
      quantity: 1 + Math.floor(next() * 60),
      unitCents: 100 + Math.floor(next() * 90_000),
    });
  }
  return lines;
}

function totals(lines: Line[]): { ht: number; tva: number; ttc: number } {
  const ht = lines.reduce((sum, l) => sum + l.quantity * l.unitCents, 0);
  const tva = Math.round(ht * 0.2);
  return { ht, tva, ttc: ht + tva };
}

function euros(cents: number): string {
  return `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Text escaped as Saxium's generator escapes it, quotes included. */
function escapeAll(text: string): string {
  return escape(text).replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

function xml(
  root: "Devis" | "BonCommande",
  party: "Client" | "Fournisseur",
  ref: string,
  options: DocumentOptions,
  lines: Line[],
): string {
  const isOrder = root === "BonCommande";
  const name = options.name ?? pick(ref, isOrder ? SUPPLIERS : CLIENTS);
  const cdata = (text: string) => `<![CDATA[${options.saxiumEscapes ? escapeAll(text) : text}]]>`;
  const t = totals(lines);
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<${root}>`,
    `  <Reference>${escape(ref)}</Reference>`,
    `  <Date>${options.date ?? "2025-10-14"}</Date>`,
    `  <${party}>`,
    `    <Nom>${cdata(name)}</Nom>`,
    `    <Adresse>${cdata("12 rue des Tanneurs, 69007 Lyon")}</Adresse>`,
    `  </${party}>`,
    `  <Lignes>`,
  ];
  lines.forEach((l, i) => {
    out.push(
      `    <Ligne>`,
      `      <Numero>${i + 1}</Numero>`,
      `      <Designation>${cdata(l.designation)}</Designation>`,
      `      <Quantite>${l.quantity}</Quantite>`,
      `      <PrixUnitaire>${euros(l.unitCents)}</PrixUnitaire>`,
      `      <MontantHT>${euros(l.quantity * l.unitCents)}</MontantHT>`,
      `    </Ligne>`,
    );
  });
  out.push(
    `  </Lignes>`,
    `  <Totaux>`,
    `    <TotalHT>${euros(t.ht)}</TotalHT>`,
    `    <TotalTVA>${euros(t.tva)}</TotalTVA>`,
    `    <TotalTTC>${euros(t.ttc)}</TotalTTC>`,
    `  </Totaux>`,
  );
  if (isOrder) {
    out.push(
      `  <DateEchue>2025-10-29</DateEchue>`,
      `  <ModePaiement>${cdata("Virement 30 jours fin de mois")}</ModePaiement>`,
    );
  } else {
    out.push(
      `  <ConditionsPaiement>${
        cdata("30 % à la commande, solde à réception")
      }</ConditionsPaiement>`,
      `  <DelaiLivraison>${cdata("6 semaines")}</DelaiLivraison>`,
      `  <ValiditeJours>30</ValiditeJours>`,
    );
  }
  out.push(
    `  <Metadata>`,
    `    <Source>Saxium</Source>`,
    `    <DateExport>${options.exportedAt ?? "2025-10-14T09:12:44.120Z"}</DateExport>`,
    `    <Version>1.0</Version>`,
    `  </Metadata>`,
    `</${root}>`,
  );
  return out.join("\n") + "\n";
}

function csv(
  type: "DEVIS" | "BON_COMMANDE",
  nameColumn: "ClientNom" | "FournisseurNom",
  ref: string,
  options: DocumentOptions,
  lines: Line[],
): string {
  const isOrder = type === "BON_COMMANDE";
  const name = options.name ?? pick(ref, isOrder ? SUPPLIERS : CLIENTS);
  const field = (text: string) => text.replace(/[;\r\n]/g, ",");
  const t = totals(lines);
  const header =
    `Type;Reference;Date;${nameColumn};Designation;Quantite;PrixUnitaire;MontantHT;TotalHT;TotalTVA;TotalTTC`;
  const rows = lines.map((l, i) =>
    [
      type,
      field(ref),
      options.date ?? "2025-10-14",
      field(name),
      field(l.designation),
      l.quantity,
      euros(l.unitCents),
      euros(l.quantity * l.unitCents),
      i === 0 ? euros(t.ht) : "",
      i === 0 ? euros(t.tva) : "",
      i === 0 ? euros(t.ttc) : "",
    ].join(";")
  );
  return [header, ...rows].join("\n") + "\n";
}

function pick(ref: string, names: string[]): string {
  let sum = 0;
  for (const ch of ref) sum += ch.charCodeAt(0);
  return names[sum % names.length];
}

/**
 * XML quotes with these references added to Saxium, in this order (it lists
 * the last added first); the exports as served.
 */
export function addQuotes(
  saxium: Pick<SaxiumSimulator, "addExport">,
  refs: readonly string[],
): SimExport[] {
  return refs.map((ref) =>
    saxium.addExport({
      documentType: "devis_client",
      documentReference: ref,
      files: { xml: quoteXml(ref) },
    })
  );
}

/** `prefix-1` … `prefix-n`. */
export function numbered(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
}
