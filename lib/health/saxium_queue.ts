/**
 * Saxium's queue as `status` and `doctor` show it: the status route's
 * figures, and whether Saxium offers the agent what it holds.
 *
 * Two things of the real server make its figures mislead (`saxium-api.md`,
 * "The real server, measured"):
 *
 * - each count is capped at 50 (its storage's default limit): a count of
 *   exactly 50 means "50 or more", and is shown « 50 ou plus » wherever the
 *   agent shows one;
 * - its queue has a gap: exports are created `ready`, the pending route lists
 *   only `pending`, so the status route counts exports no agent is ever
 *   offered. Left unsaid, `status` read "0 en attente … file saine" while
 *   Saxium held three exports. That is Saxium's fault, fixed on its side
 *   (`saxium_side/offered_exports.ts`); the agent's part is to say so.
 *
 * How the gap is found ({@linkcode countNotOffered}), cheaply and soundly:
 * in either queue every `pending` export is listed; what differs is whether
 * `ready` ones are. So, when the status route counts `ready` exports, the
 * list is asked for `pending + 1` exports (a single one in the usual case of
 * the gap, where nothing is `pending`): if it gives more than `pending`
 * distinct exports, at least one `ready` export is offered, and the queue
 * works; if not, the `ready` ones are held back. Asking for the whole list to
 * compare counts would be as sound, but a list item may embed its documents
 * (`exportData`): a list of 50 can weigh megabytes. Two limits of the method:
 * with 50 `pending` (a capped count) a list of 51 proves nothing, so nothing
 * is said; and an agent may take the `ready` exports between the two reads,
 * so a gap is confirmed by reading the status route again: the `ready`
 * exports must still be there.
 *
 * @module
 */

import { type Settings } from "../base/settings.ts";
import { formatCount } from "../base/french.ts";
import {
  type PendingPage,
  type SaxiumClient,
  SaxiumError,
  type ServerStatus,
} from "../saxium/client.ts";
import { openSaxiumClient } from "../saxium/open.ts";
import { type CheckResult, verdicts } from "./check.ts";

/** Saxium's storage's default limit: every count of its status route stops there. */
export const STATUS_COUNT_CAP = 50;

/** Time allowed to each request to Saxium. */
const QUEUE_TIMEOUT_MS = 10_000;

/** Why the server's status could not be read. */
export interface ServerTrouble {
  error: string;
  /** The Saxium client's kind of error (`auth`, `network`, `timeout`…), or `config`. */
  kind: string;
}

/** What `status` and `doctor` learn of Saxium's queue. */
export interface SaxiumQueue {
  /** The status route's figures, or why they could not be read. */
  server: ServerStatus | ServerTrouble;
  /**
   * Exports Saxium counts `ready` but does not offer the agent (as the status
   * route counts them: 50 means 50 or more); 0 when it offers them; absent
   * when it could not be told (the list unreadable, or 50 `pending`).
   */
  notOffered?: number;
  /** Why the pending list could not be read, when it could not. */
  listTrouble?: string;
}

/** What {@linkcode countNotOffered} asks Saxium. */
export interface QueueReader {
  status(): Promise<ServerStatus>;
  listPending(limit: number): Promise<PendingPage>;
}

/**
 * The status route's figures and what the pending list offers of them,
 * through the agent's own client (one attempt each); never throws.
 */
export async function readSaxiumQueue(
  settings: Pick<Settings, "apiUrl" | "token" | "agentId" | "proxy" | "caFile">,
  options: { timeoutMs?: number } = {},
): Promise<SaxiumQueue> {
  let client: SaxiumClient;
  try {
    client = openSaxiumClient(settings, {
      timeoutMs: options.timeoutMs ?? QUEUE_TIMEOUT_MS,
      maxAttempts: 1,
    });
  } catch (error) {
    return { server: { error: (error as Error).message, kind: "config" } };
  }
  try {
    let server: ServerStatus;
    try {
      server = await client.status();
    } catch (error) {
      return { server: trouble(error) };
    }
    try {
      const notOffered = await countNotOffered(client, server);
      return notOffered === undefined ? { server } : { server, notOffered };
    } catch (error) {
      return { server, listTrouble: (error as Error).message };
    }
  } finally {
    client.close();
  }
}

/**
 * How many exports Saxium holds `ready` without offering them to the agent,
 * from the status route's `figures` (see the module doc); undefined when it
 * cannot be told. Throws what the client throws.
 */
export async function countNotOffered(
  saxium: QueueReader,
  figures: ServerStatus,
): Promise<number | undefined> {
  if (figures.ready === 0) return 0;
  if (figures.pending >= STATUS_COUNT_CAP) return undefined;
  const page = await saxium.listPending(figures.pending + 1);
  const listed = new Set([
    ...page.items.map((item) => item.id.toLowerCase()),
    ...page.rejected.map((item, i) => item.id?.toLowerCase() ?? `rejected-${i}`),
  ]);
  if (listed.size > figures.pending) return 0;
  // An agent may have taken the ready exports meanwhile: they must still be there (and those
  // generated since are not counted, so that the figures said stay those of the first read).
  return Math.min(figures.ready, (await saxium.status()).ready);
}

function trouble(error: unknown): ServerTrouble {
  const kind = error instanceof SaxiumError ? error.kind : "unexpected";
  return { error: (error as Error).message, kind };
}

/** A count of the status route as a person reads it: 50, its cap, is « 50 ou plus ». */
export function serverCount(n: number): string {
  return n >= STATUS_COUNT_CAP ? `${formatCount(n)} ou plus` : formatCount(n);
}

/** The sum of counts of the status route: « … ou plus » when one of them is capped. */
function serverSum(...counts: number[]): string {
  const sum = counts.reduce((a, b) => a + b, 0);
  return counts.some((n) => n >= STATUS_COUNT_CAP)
    ? `${formatCount(sum)} ou plus`
    : formatCount(sum);
}

/** What Saxium counts as done: « 12 importés, 0 en erreur », capped counts « 50 ou plus ». */
function doneFigures(server: ServerStatus): string {
  const imported = `${serverCount(server.imported)} importé${server.imported >= 2 ? "s" : ""}`;
  return `${imported}, ${serverCount(server.errors)} en erreur`;
}

/** `status`'s Saxium line: the queue figures, or the trouble in two words and why. */
export function describeServer(queue: SaxiumQueue): string {
  const server = queue.server;
  if ("error" in server) return `${serverTroubleWords(server)} : ${server.error}`;
  const held = queue.notOffered ?? 0;
  const waiting = serverSum(server.pending, server.ready);
  const figures = doneFigures(server);
  if (held > 0) {
    const notOffered = `que Saxium ne propose pas à l'agent`;
    const what = server.pending === 0
      ? `${waiting} en attente ${notOffered}`
      : `${waiting} en attente, dont ${serverCount(held)} ${notOffered}`;
    return `joignable ; ${what}, ${figures} : file bloquée côté Saxium`;
  }
  return `joignable ; ${waiting} en attente, ${figures}, file ${
    server.queueHealth === "healthy" ? "saine" : "à surveiller"
  }`;
}

/** What Saxium holds back, as `status`'s problem and `doctor`'s detail: how many, whose fault. */
export function notOfferedLine(count: number): string {
  return `Saxium détient ${serverCount(count)} export${count >= 2 ? "s" : ""} (statut « ready ») ` +
    `qu'il ne propose pas à l'agent : c'est un défaut de Saxium, pas de l'agent.`;
}

/** The fix of a queue that holds exports back. */
export const NOT_OFFERED_FIX =
  "Saxium doit proposer les exports « ready » dans sa liste des exports en attente : voir " +
  "saxium_side/README.md (« Ouvrir la file ») et le README de l'agent, « Ce que Saxium doit fournir ».";

/** What Saxium's trouble is, in two words: reaching it is not the same as being refused. */
function serverTroubleWords(trouble: ServerTrouble): string {
  if (trouble.kind === "auth") return "accès refusé";
  if (trouble.kind === "network" || trouble.kind === "timeout") return "injoignable";
  if (trouble.kind === "config") return "non interrogé";
  return "réponse en erreur";
}

/**
 * `doctor`'s check of Saxium's queue: WARNING when Saxium holds exports it
 * does not offer the agent (its fault, and the fix); `queue` is undefined
 * when Saxium did not answer the agent (unreachable, or refusing its token).
 */
export function checkSaxiumQueue(queue: SaxiumQueue | undefined): CheckResult {
  const verdict = verdicts("saxium-queue", "File de Saxium");
  const fixAccess =
    "Corrigez d'abord l'accès à Saxium (vérifications « Saxium joignable » et « Jeton Saxium »).";
  if (queue === undefined) {
    return verdict.warning("non vérifié : Saxium n'a pas répondu à l'agent", fixAccess);
  }
  const server = queue.server;
  if ("error" in server) return verdict.warning(`non vérifié : ${server.error}`, fixAccess);
  if (queue.notOffered) return verdict.warning(notOfferedLine(queue.notOffered), NOT_OFFERED_FIX);
  if (queue.listTrouble !== undefined) {
    return verdict.warning(
      `non vérifié : la liste des exports en attente est illisible (${queue.listTrouble})`,
      "Relancez doctor ; si cela persiste, prévenez l'administrateur de Saxium.",
    );
  }
  const figures = doneFigures(server);
  if (server.pending + server.ready === 0) return verdict.ok(`rien en attente ; ${figures}`);
  const waiting = serverSum(server.pending, server.ready);
  const offered = queue.notOffered === 0 ? ", proposés à l'agent" : "";
  return verdict.ok(`${waiting} en attente${offered} ; ${figures}`);
}
