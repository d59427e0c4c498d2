/**
 * Checks a Saxium export (XML or CSV) before it is handed to Batigest: the
 * bytes must be the document announced, complete and consistent. The bytes
 * are only read, never modified or re-serialised. A document accepted may
 * come with warnings: what Saxium's generator got wrong without making the
 * document unusable (`generator_quirks.ts`), for the pass to log.
 *
 * @module
 */

import { type DocumentFormat } from "../base/settings.ts";
import { csvCheck } from "./csv_check.ts";
import { CheckFailure, type DocumentKind, fail, show, TOTAL_FIELDS } from "./document_rules.ts";
import { xmlCheck } from "./xml_check.ts";

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
  /** Most XML elements accepted in one document (default 1,000,000). */
  maxElements?: number;
}

/**
 * Outcome of a check: accepted, with the warnings to log (each one line of
 * French naming the document, usually none), or refused with `reason`, one
 * line of French for the operator.
 */
export type DocumentCheckResult =
  | { ok: true; warnings: string[] }
  | { ok: false; reason: string };

const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

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
 * else for (const warning of result.warnings) console.warn(warning);
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
    return { ok: true, warnings: check.end() };
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
    return { ok: true, warnings: check.end() };
  } catch (error) {
    return refusal(error);
  }
}

function refusal(error: unknown): DocumentCheckResult {
  if (error instanceof CheckFailure) return { ok: false, reason: error.reason };
  throw error;
}

/** Checks what can be known before reading, then returns the check of the bytes. */
function startCheck(
  document: DocumentDescription,
  byteLength: number,
  options: DocumentCheckOptions,
): { write(chunk: Uint8Array): void; end(): string[] } {
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
      return text.end();
    },
  };
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
