/**
 * The quirks of Saxium's document generator, named (issue 20): what it gets
 * wrong in a way the checks would otherwise pass silently or refuse without
 * saying why. Each is Saxium's to fix; the agent says which document, which
 * field, and what Saxium must change.
 *
 * - Text XML-escaped *inside* CDATA (`<![CDATA[Dupont &amp; Fils]]>`): the
 *   XML is well-formed, but CDATA is taken literally, so Batigest shows
 *   `&amp;`. The document is delivered unchanged (the agent never rewrites a
 *   document, and the text is still readable) with one WARNING per document
 *   naming its reference and the fields: {@linkcode CdataEscapes}.
 * - A line break written raw in a CSV text cell (a designation over two
 *   lines) cuts its row in two: the first piece has too few columns, and the
 *   piece after it completes them. Still refused (the row is broken, and
 *   Batigest would read two wrong rows), but said for what it is, with the
 *   line number and what Saxium must replace: {@linkcode csvLineBreakReason}.
 *
 * @module
 */

import { frenchList } from "../base/french.ts";
import { showName } from "./document_rules.ts";

/** An XML reference to a character or entity: what escaping leaves in a text. */
const ESCAPED = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g;

/** Most fields and escapes named in one warning. */
const MOST_NAMED = 3;

/**
 * The XML-escaped text met inside CDATA sections of one document, gathered
 * as the document is read, and said in one warning at the end.
 */
export class CdataEscapes {
  #fields: string[] = [];
  #escapes: string[] = [];

  /** Notes the text of one CDATA section of `field` (`Client/Nom`, `Ligne n°2/Designation`). */
  note(field: string, text: string): void {
    const found = text.match(ESCAPED);
    if (!found) return;
    const name = showName(field); // element names come from the document: shown short
    if (!this.#fields.includes(name)) this.#fields.push(name);
    for (const escape of found) if (!this.#escapes.includes(escape)) this.#escapes.push(escape);
  }

  /** The one warning for the document `reference`, when any CDATA text was escaped. */
  warning(reference: string): string | undefined {
    if (this.#fields.length === 0) return undefined;
    const fields = named(this.#fields, "autre champ", "autres champs");
    const escapes = named(this.#escapes.map((e) => `« ${e} »`), "autre", "autres");
    const one = this.#fields.length === 1;
    const texts = one ? `le texte de ${fields} contient` : `les textes de ${fields} contiennent`;
    const sections = one ? "une section CDATA" : "des sections CDATA";
    const shown = this.#escapes.length === 1
      ? `affichera ${escapes} tel quel`
      : "les affichera tels quels";
    return `${showName(reference)} : ${texts} ${escapes} dans ${sections} : Batigest ${shown} ; ` +
      `c'est Saxium qui ${one ? "l'échappe" : "les échappe"} deux fois, à corriger dans son ` +
      `générateur d'exports (le document est déposé tel quel).`;
  }
}

/** Up to {@linkcode MOST_NAMED} items in a French list, and how many others. */
function named(items: string[], other: string, others: string): string {
  if (items.length <= MOST_NAMED) return frenchList(items);
  const rest = items.length - MOST_NAMED;
  return `${items.slice(0, MOST_NAMED).join(", ")} et ${rest} ${rest === 1 ? other : others}`;
}

/** Each CSV column a line break may cut, as a person names its content. */
const CELL_NAMES: Record<string, string> = {
  Designation: "la désignation",
  ClientNom: "le nom du client",
  FournisseurNom: "le nom du fournisseur",
  Reference: "la référence",
};

/**
 * Why a CSV row cut by raw line breaks is refused: `row` is its line number,
 * `columns` the header's names of the cells each break fell in, in order.
 *
 * @example
 * ```ts
 * csvLineBreakReason({ row: 3, columns: ["Designation"] });
 * // "La ligne 3 du CSV : la désignation contient un retour à la ligne, qui coupe la ligne du
 * //  CSV en deux (lignes 3 et 4 du fichier) ; Saxium doit le remplacer par un espace, puis
 * //  ré-exporter le document."
 * ```
 */
export function csvLineBreakReason(options: { row: number; columns: string[] }): string {
  const { row, columns } = options;
  const one = columns.length === 1;
  const pieces = columns.length + 1;
  const cut = pieces === 2 ? "en deux" : pieces === 3 ? "en trois" : `en ${pieces} morceaux`;
  const lines = one ? `lignes ${row} et ${row + 1}` : `lignes ${row} à ${row + columns.length}`;
  const cells = [...new Set(columns)].map((c) => CELL_NAMES[c] ?? `le champ ${c}`);
  const breaks = one ? "un retour à la ligne, qui coupe" : "des retours à la ligne, qui coupent";
  return `La ligne ${row} du CSV : ${frenchList(cells)} ${
    cells.length === 1 ? "contient" : "contiennent"
  } ` +
    `${breaks} la ligne du CSV ${cut} (${lines} du fichier) ; Saxium doit ${one ? "le" : "les"} ` +
    `remplacer par un espace, puis ré-exporter le document.`;
}
