/**
 * The one owner of masking: how a secret (token, password, webhook path, proxy
 * credentials) is hidden wherever a person or a support bundle could see it —
 * log lines, `status`, `doctor`, alerts, the bundle.
 *
 * @module
 */

/** What stands in for a hidden value. */
export const MASK = "********";

/** Key names whose values are secrets in a settings object or `agent.json`. */
const SECRET_KEY = /pass|secret|token|key/i;

/** `text` with every occurrence of each non-empty secret replaced by {@linkcode MASK}. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join(MASK);
  }
  return out;
}

/** A URL with its `user:password@` hidden: `http://***@proxy:3128`. */
export function maskUrlCredentials(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}

/** A webhook URL reduced to its origin (its path often is the webhook's secret). */
export function maskWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/${MASK}`;
  } catch {
    return MASK;
  }
}

/**
 * A settings-shaped value with secrets hidden by key name: passwords, tokens
 * and keys become {@linkcode MASK}, a webhook URL keeps its origin only.
 */
export function maskByKey(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskByKey);
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => {
      if (typeof v === "string" && /webhook/i.test(key)) return [key, maskWebhookUrl(v)];
      if (SECRET_KEY.test(key) && v !== null && v !== undefined) return [key, MASK];
      return [key, maskByKey(v)];
    }),
  );
}

/**
 * The raw text of a JSON file that does not parse, with the values of
 * secret-looking keys hidden, so that a broken `agent.json` can still be shown.
 */
export function maskJsonText(text: string): string {
  return text.replace(
    /("[^"]*(?:pass|secret|token|key|webhook)[^"]*"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
    `$1"${MASK}"`,
  );
}
