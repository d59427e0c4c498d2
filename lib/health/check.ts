/**
 * What a health check is, shared by every area of `doctor` (and by the task's
 * judgement `status` also uses): a result with one of three verdicts, the
 * constructors that keep the "a fix when not OK" rule, and the few French
 * wording helpers the areas would otherwise each rewrite (an error as one
 * line, sizes and durations in French units).
 *
 * @module
 */

import { innermostMessage } from "../base/text.ts";

/** A check's verdict. */
export type CheckStatus = "OK" | "WARNING" | "ERROR";

/** One check's result. */
export interface CheckResult {
  /** Stable identifier, for monitoring (`saxium-tls`, `disk-space`…). */
  id: string;
  /** Short French title. */
  title: string;
  status: CheckStatus;
  /** What was found, in French, one line. */
  detail: string;
  /** The fix in one French sentence, when not OK. */
  fix?: string;
}

/** The three verdicts of one check, its id and title filled in. */
export interface Verdicts {
  /** Nothing to fix. */
  ok(detail: string): CheckResult;
  /** Something to look at, and its fix. */
  warning(detail: string, fix: string): CheckResult;
  /** Something to correct, and its fix. */
  error(detail: string, fix: string): CheckResult;
}

/**
 * The verdicts of the check `id`, so that a WARNING or an ERROR always comes
 * with its fix.
 *
 * @example
 * ```ts
 * const verdict = verdicts("proxy", "Proxy");
 * verdict.ok("connexion directe à Saxium (aucun proxy)");
 * ```
 */
export function verdicts(id: string, title: string): Verdicts {
  return {
    ok: (detail) => ({ id, title, status: "OK", detail }),
    warning: (detail, fix) => ({ id, title, status: "WARNING", detail, fix }),
    error: (detail, fix) => ({ id, title, status: "ERROR", detail, fix }),
  };
}

/** An error as one line for a check's detail, at most 200 characters. */
export function oneLineMessage(e: unknown): string {
  return innermostMessage(e, 200);
}

/** The text with its first letter upper-case. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
