/**
 * Reading a JSON file an administrator wrote by hand (`agent.json`), and
 * saying in French what is wrong with it.
 *
 * Windows editors save text in several ways: Notepad's "Unicode" is UTF-16
 * with a byte order mark, "UTF-8" may start with a BOM. All are read; "ANSI"
 * (invalid UTF-8) is refused rather than read with `�` in place of accents. A JSON
 * error names the line and column and, for the commonest mistake on Windows —
 * a folder written with single backslashes — says to double them. Errors are
 * located by `jsonc-parser`, whose error code names are stable (V8's `JSON.parse`
 * messages are English prose that changes between versions).
 *
 * @module
 */

import { parse, type ParseError, printParseErrorCode } from "jsonc-parser";

/** Text decoded from a file, and the encoding it was found in. */
export interface DecodedText {
  text: string;
  encoding: "utf-8" | "utf-16le" | "utf-16be";
}

/**
 * Decodes a text file: UTF-8 (with or without BOM) or UTF-16 (with a BOM, or
 * without one when every other byte is zero, as Notepad's "Unicode" never
 * writes but other tools do). The BOM is dropped.
 *
 * @throws {NotUtf8Error} when the bytes are not valid UTF-8 (a file saved as "ANSI").
 */
export function decodeText(bytes: Uint8Array): DecodedText {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: new TextDecoder("utf-16le").decode(bytes.subarray(2)), encoding: "utf-16le" };
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: new TextDecoder("utf-16be").decode(bytes.subarray(2)), encoding: "utf-16be" };
  }
  if (bytes.length >= 2 && bytes.length % 2 === 0) {
    const zeros = (start: number) => {
      let n = 0;
      for (let i = start; i < bytes.length; i += 2) if (bytes[i] === 0) n++;
      return n;
    };
    const half = bytes.length / 2;
    if (zeros(1) === half && zeros(0) === 0) {
      return { text: new TextDecoder("utf-16le").decode(bytes), encoding: "utf-16le" };
    }
    if (zeros(0) === half && zeros(1) === 0) {
      return { text: new TextDecoder("utf-16be").decode(bytes), encoding: "utf-16be" };
    }
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new NotUtf8Error(lineOfFirstInvalidByte(bytes));
  }
  return { text: text.replace(/^\uFEFF/, ""), encoding: "utf-8" };
}

/**
 * The file is neither UTF-16 nor valid UTF-8: most often saved as "ANSI"
 * (Windows-1252), where `é` is one byte UTF-8 cannot read. Decoding it
 * anyway would turn `Données` into `Donn�es`, a folder that does not exist.
 */
export class NotUtf8Error extends Error {
  /** The line (from 1) of the first byte that is not UTF-8. */
  readonly line: number;
  constructor(line: number) {
    super(`not UTF-8 (line ${line})`);
    this.name = "NotUtf8Error";
    this.line = line;
  }
}

/** The line of the first byte where UTF-8 decoding fails. */
function lineOfFirstInvalidByte(bytes: Uint8Array): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    try {
      decoder.decode(bytes.subarray(start, i));
    } catch {
      return line;
    }
    line++;
    start = i + 1;
  }
  return line;
}

/** The outcome of {@linkcode parseJsonText}: the value, or what is wrong in French. */
export type JsonParseResult =
  | { ok: true; value: unknown }
  | { ok: false; line: number; column: number; problem: string };

/**
 * Parses strict JSON. On failure, says where (line and column, from 1) and
 * what is wrong, in French, with the fix when it is a known mistake.
 *
 * @example
 * ```ts
 * const r = parseJsonText('{ "batigestImportDir": "C:\\Sage" }');
 * // { ok: false, line: 1, column: 26, problem: "barre oblique inverse seule : …" }
 * ```
 */
export function parseJsonText(text: string): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // located below
  }
  const errors: ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  const offset = first ? refine(text, first) : text.length;
  const { line, column } = lineColumn(text, offset);
  return {
    ok: false,
    line,
    column,
    problem: describe(first ? printParseErrorCode(first.error) : undefined, text, offset),
  };
}

/** Moves an error found at a string's opening quote onto the faulty character. */
function refine(text: string, error: ParseError): number {
  if (printParseErrorCode(error.error) === "InvalidEscapeCharacter") {
    for (let i = error.offset + 1; i < text.length; i++) {
      if (text[i] === "\\") {
        if (!/["\\/bfnrtu]/.test(text[i + 1] ?? "")) return i;
        i++;
      }
    }
  }
  if (printParseErrorCode(error.error) === "InvalidCharacter") {
    for (let i = error.offset + 1; i < text.length; i++) {
      if (text.charCodeAt(i) < 0x20) return i;
      if (text[i] === "\\") i++;
    }
  }
  return error.offset;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split(/\r\n|\r|\n/);
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/**
 * A text between quotes that a line break cut in two (a token pasted with
 * its line end, a value wrapped by an editor): the quote opened at `offset`
 * closes on a following line. Names the key when it is one's value.
 */
function cutByLineBreak(text: string, offset: number): string | undefined {
  const rest = text.slice(offset + 1);
  const lineEnd = rest.search(/[\r\n]/);
  if (lineEnd < 0 || rest.slice(0, lineEnd).includes('"')) return undefined;
  const next = /^\r?\n([^\r\n]*)"/.exec(rest.slice(lineEnd));
  if (!next || next[1].includes('"')) return undefined;
  const key = /"([^"\r\n]+)"\s*:\s*$/.exec(text.slice(0, offset))?.[1];
  const [what, it] = key === "token"
    ? [
      "le jeton (« token ») est coupé sur deux lignes : un retour à la ligne s'est glissé en le collant",
      "le",
    ]
    : key
    ? [`la valeur de « ${key} » est coupée sur deux lignes`, "la"]
    : ["un texte entre guillemets est coupé sur deux lignes", "le"];
  return `${what} ; remettez-${it} ${
    it === "la" ? "tout entière" : "tout entier"
  } sur une seule ligne, entre ses deux guillemets`;
}

/** The French words for a `jsonc-parser` error code name (`"CommaExpected"`…). */
function describe(code: string | undefined, text: string, offset: number): string {
  switch (code) {
    case "InvalidEscapeCharacter":
      return "barre oblique inverse seule ; dans un fichier JSON, doublez les \\ (C:\\\\Program Files\\\\…) ou utilisez / (C:/Program Files/…)";
    case "InvalidCharacter":
      return "retour à la ligne ou tabulation dans un texte entre guillemets ; écrivez le texte sur une seule ligne";
    case "UnexpectedEndOfString":
      return cutByLineBreak(text, offset) ??
        'guillemet ouvert jamais fermé : ajoutez le " manquant';
    case "CommaExpected":
      return "virgule manquante entre deux paramètres";
    case "PropertyNameExpected":
      return text[offset] === "}"
        ? "virgule en trop avant « } » ; retirez-la"
        : 'nom de paramètre attendu, entre guillemets droits ("apiUrl")';
    case "ColonExpected":
      return "« : » attendu entre le nom du paramètre et sa valeur";
    case "CloseBraceExpected":
      return "accolade fermante « } » manquante";
    case "CloseBracketExpected":
      return "crochet fermant « ] » manquant";
    case "InvalidCommentToken":
      return "les commentaires ne sont pas permis en JSON ; retirez-les";
    case "ValueExpected":
      return text.trim() === ""
        ? "le fichier est vide ; écrivez au moins { }"
        : "valeur attendue (un texte entre guillemets, un nombre, true ou false)";
    case "InvalidSymbol":
      return /[\u201c\u201d\u00ab\u00bb]/.test(text[offset] ?? "")
        ? 'guillemets typographiques (“ ” « ») ; utilisez des guillemets droits "'
        : `caractère inattendu « ${
          text[offset] ?? ""
        } » ; les textes s'écrivent entre guillemets droits "…"`;
    case "EndOfFileExpected":
      return "texte en trop après l'accolade fermante";
    default:
      return "syntaxe JSON invalide";
  }
}

/** Whether a value is a plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
