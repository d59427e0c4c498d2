/**
 * What Windows' console programs print, read as the text they meant.
 * `schtasks.exe`, `icacls.exe` and `eventcreate.exe` write to a pipe in the
 * console's OEM code page, 850 on a French server (437 on an American one),
 * not in UTF-8: decoded as UTF-8, "Accès refusé." became "Acc�s refus�.", the
 * access-denied test missed it, and doctor printed the `�`.
 *
 * The rule, for each output: UTF-16LE when it starts with its byte order mark,
 * or has a zero byte after every character and nowhere else (what some tools
 * write when redirected; no UTF-8 or code page 850 text holds a zero byte);
 * else strict UTF-8 when the bytes are valid UTF-8 (plain ASCII is, and so is
 * a tool that writes UTF-8); else code page 850. For French, 850 and 437 agree on every lower-case letter and
 * on É and Ç; 850 also has À, È, Ê and Ë, which 437 lacks. The console's
 * actual code page cannot be asked for without running `chcp` or calling the
 * Win32 API, which the executable's permissions do not allow: 850 is the
 * code page of Western European Windows, where the agent runs.
 *
 * The 128 upper characters of code page 850 are one table below rather than
 * a dependency: Deno's `TextDecoder` knows only the WHATWG encodings (no 850),
 * and `iconv-lite` would embed every code page it knows (and a `Buffer` shim)
 * in the executable to read these 128 characters. The table is Microsoft's
 * (https://learn.microsoft.com/en-us/globalization/encoding/code-pages),
 * checked by tests/base/console_text_test.ts letter by letter for French.
 *
 * @module
 */

/** The OEM code page assumed when a program's output is not UTF-8. */
export const OEM_CODE_PAGE = 850;

/** Code page 850, bytes 0x80 to 0xFF, 16 a row. */
const CP850_HIGH = "ÇüéâäàåçêëèïîìÄÅ" +
  "ÉæÆôöòûùÿÖÜø£Ø×ƒ" +
  "áíóúñÑªº¿®¬½¼¡«»" +
  "░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐" +
  "└┴┬├─┼ãÃ╚╔╩╦╠═╬¤" +
  "ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀" +
  "ÓßÔÒõÕµþÞÚÛÙýÝ¯´" +
  "\u00ad±‗¾¶§÷¸°¨·¹³²■\u00a0";

/** Bytes in code page 850 (ASCII below 0x80, the table above it). */
export function decodeCp850(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) {
    text += byte < 0x80 ? String.fromCharCode(byte) : CP850_HIGH[byte - 0x80];
  }
  return text;
}

/**
 * A Windows program's output as text: UTF-16LE with its byte order mark,
 * else UTF-8 if valid, else the OEM code page ({@linkcode OEM_CODE_PAGE}).
 *
 * @example
 * ```ts
 * decodeConsoleOutput(new Uint8Array([0x41, 0x63, 0x63, 0x8a, 0x73])); // "Accès"
 * ```
 */
export function decodeConsoleOutput(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  }
  if (looksUtf16Le(bytes)) return new TextDecoder("utf-16le").decode(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return decodeCp850(bytes);
  }
}

/** Text in UTF-16LE without its mark: every odd byte zero, no even one. */
function looksUtf16Le(bytes: Uint8Array): boolean {
  if (bytes.length < 2 || bytes.length % 2 !== 0) return false;
  for (let i = 0; i < bytes.length; i += 2) {
    if (bytes[i] === 0 || bytes[i + 1] !== 0) return false;
  }
  return true;
}
