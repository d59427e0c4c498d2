/**
 * The check of an XML export, fed as the text comes: saxes parses it without
 * ever expanding an entity, the tree keeps only what the checks read (each
 * `<Ligne>` is judged when it closes, then dropped, so a long document never
 * sits whole in memory), and the parser's English complaints become French.
 * Text Saxium escaped inside CDATA is noted as it comes, for one warning
 * (`generator_quirks.ts`).
 *
 * @module
 */

import { SaxesParser } from "saxes";
import {
  checkDate,
  CheckFailure,
  checkNumber,
  checkReference,
  checkTotals,
  type DocumentKind,
  fail,
  FIX_IN_SAXIUM,
  show,
  showName,
  type TextCheck,
  toCents,
  TOTAL_FIELDS,
} from "./document_rules.ts";
import { CdataEscapes } from "./generator_quirks.ts";

/** Limits on the XML's shape; the defaults are ample for any real quote or order. */
export interface XmlLimits {
  /** Deepest element nesting accepted (default 64). */
  maxDepth?: number;
  /** Most elements accepted in one document (default 1,000,000). */
  maxElements?: number;
}

const DEFAULT_MAX_DEPTH = 64;
const DEFAULT_MAX_ELEMENTS = 1_000_000;

const LINE_FIELDS = ["Numero", "Designation", "Quantite", "PrixUnitaire", "MontantHT"] as const;

/** The parsed XML, reduced to what the checks need. */
interface XmlElement {
  name: string;
  line: number;
  text: string;
  children: XmlElement[];
}

/** The check of an XML export of `kind` that must carry `reference`. */
export function xmlCheck(
  kind: DocumentKind,
  reference: string,
  options: XmlLimits,
): TextCheck {
  const amounts: bigint[] = [];
  let lineCount = 0;
  let lineFailure: string | undefined;
  const escapes = new CdataEscapes();
  // Below the root: `Client/Nom`; inside the lines, which one: `Ligne n°2/Designation`.
  const onCdata = (text: string, path: string[]) => {
    const [first, second, ...rest] = path.slice(1);
    const field = first === "Lignes" && second === "Ligne"
      ? [`Ligne n°${lineCount + 1}`, ...rest].join("/")
      : path.slice(1).join("/");
    escapes.note(field, text);
  };
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
  const parser = xmlParser(options, { onClose, onCdata });
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
        // Refused: a document reaches Batigest through its lines (the CSV, one row a line, has
        // no row for it at all); an empty quote would only be one to delete by hand.
        fail(
          `L'élément <Lignes> ne contient aucune <Ligne> : ${kind.label} sans ligne n'a rien à ` +
            `importer dans Batigest, qui reçoit un document par ses lignes ; ajoutez-lui ses ` +
            `lignes dans Saxium puis ré-exportez-le.`,
        );
      }
      const totaux = single(root, "Totaux", "<Totaux>");
      const [totalHT, totalTVA, totalTTC] = TOTAL_FIELDS.map((field) =>
        toCents(leafText(totaux, field, `<Totaux/${field}>`), `<Totaux/${field}>`)
      );
      checkTotals({ lines: amounts, totalHT, totalTVA, totalTTC });
      const warning = escapes.warning(reference);
      return warning ? [warning] : [];
    },
  };
}

/**
 * Parses the text, as it comes, into a tree, refusing DOCTYPE, deep nesting
 * and bad XML. `onClose` may take an element out of the tree once closed
 * (returns true), so that long lists of lines never pile up in memory;
 * `onCdata` is told each CDATA section's text and the names of the elements
 * it is in, from the root.
 */
function xmlParser(
  options: XmlLimits,
  hooks: {
    onClose?: (element: XmlElement, parent: XmlElement | undefined, depth: number) => boolean;
    onCdata?: (text: string, path: string[]) => void;
  },
): { write(text: string): void; end(): XmlElement } {
  const { onClose, onCdata } = hooks;
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
    onCdata?.(chunk, stack.map((element) => element.name));
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
