/**
 * The check of a CSV export, line by line as the text comes: the header must
 * be the one of the document's kind, every row the export's type, reference
 * and date, and the totals, given on the first row only, must add up. A row
 * cut in pieces by a raw line break in a text (a quirk of Saxium's generator)
 * is told apart from a row with a semicolon too few by the line after it,
 * which completes its columns (`generator_quirks.ts`).
 *
 * @module
 */

import {
  checkDate,
  checkNumber,
  checkReference,
  checkTotals,
  type DocumentKind,
  fail,
  FIX_IN_SAXIUM,
  show,
  type TextCheck,
  toCents,
  TOTAL_FIELDS,
} from "./document_rules.ts";
import { csvLineBreakReason } from "./generator_quirks.ts";

const CSV_COLUMNS = 11;

/** The check of a CSV export of `kind` that must carry `reference` on every row. */
export function csvCheck(kind: DocumentKind, reference: string): TextCheck {
  const partyColumn = kind.csvHeader[3];
  let headerSeen = false;
  let firstDate = "";
  const amounts: bigint[] = [];
  let totals: bigint[] = [];
  let index = 0;
  let blank: string | undefined; // an empty line is fine only as the very last one
  let rest = ""; // the start of a line whose end has not come yet
  // A row with too few columns, until the lines after it tell why: its line number, its
  // columns so far, and the header's name of each cell a line break cut.
  let cut: { row: number; columns: number; breaks: string[]; reason: string } | undefined;

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
      const reason = `La ${where} compte ${cells.length} colonnes au lieu de ${CSV_COLUMNS} ` +
        `(point-virgule en trop ou manquant) ; ${FIX_IN_SAXIUM}`;
      if (cells.length > CSV_COLUMNS) fail(reason);
      cut = { row: index + 1, columns: cells.length, breaks: [], reason };
      return;
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

  /**
   * A line after a row with too few columns: if it completes them, a line
   * break cut that row in a text; if more lines are needed, wait for them;
   * if it goes past them, the row lacks a semicolon.
   */
  const continueCut = (raw: string, last: boolean) => {
    const row = cut!;
    row.breaks.push(kind.csvHeader[row.columns - 1] ?? "");
    row.columns += csvLine(raw).split(";").length - 1;
    if (row.columns === CSV_COLUMNS) {
      fail(csvLineBreakReason({ row: row.row, columns: row.breaks }));
    }
    if (row.columns > CSV_COLUMNS || last) fail(row.reason);
  };

  // Lines end with `\n` (or `\r\n`); the first one is the header.
  const takeLine = (raw: string, last = false) => {
    if (cut) continueCut(raw, last);
    else if (headerSeen) checkRow(raw);
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
      takeLine(rest, true);
      if (cut) fail(cut.reason);
      if (amounts.length === 0) {
        // Refused: see the XML's <Lignes> without a <Ligne>.
        fail(
          `Le CSV ne contient aucune ligne de données après l'en-tête : un document sans ligne ` +
            `n'a rien à importer dans Batigest, qui reçoit un document par ses lignes ; vérifiez ` +
            `que le document a des lignes dans Saxium puis ré-exportez-le.`,
        );
      }
      const [totalHT, totalTVA, totalTTC] = totals;
      checkTotals({ lines: amounts, totalHT, totalTVA, totalTTC });
      return [];
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
