/**
 * The Windows Event Log, which supervision tools (SCOM, Zabbix, PRTG,
 * Datadog) watch on a server: the agent writes the few events an
 * administrator must act on — exports in error, Batigest not importing,
 * Saxium unreachable, local trouble — and "back to normal", to the
 * Application log under its own source, through `eventcreate.exe`.
 *
 * The event IDs are a contract with the supervision (README, "Journal
 * d'événements Windows"): never renumber them. `eventcreate` accepts IDs from
 * 1 to 1000 and creates the source on first use (the task runs as SYSTEM,
 * which may). Elsewhere than on Windows, nothing is written.
 *
 * @module
 */

import type { CommandRunner } from "../base/command_runner.ts";
import { oneLine } from "../base/text.ts";

/** The program the agent runs, as named in its permissions. */
export const EVENTCREATE = "eventcreate.exe";

/** The source the events appear under in the Application log. */
export const EVENT_SOURCE = "SaxiumBatigestAgent";

/** The events the agent writes, with their fixed ID and level. */
export const EVENTS = {
  /** A pass succeeded after an alert: whatever was signalled is over. */
  recovered: { id: 100, level: "INFORMATION" },
  /** Batigest has not imported for a while (closed?): nothing is lost. */
  batigestInactive: { id: 200, level: "WARNING" },
  /** A pass ended with exports in error (refused documents). */
  exportErrors: { id: 300, level: "ERROR" },
  /** Saxium could not be reached or refused the agent. */
  serverUnavailable: { id: 400, level: "ERROR" },
  /** Local trouble: disk full, damaged journal, folder refused. */
  localTrouble: { id: 500, level: "ERROR" },
  /** A test message from `doctor --test-alert`: nothing to do. */
  test: { id: 900, level: "INFORMATION" },
} as const;

/** The name of one of the {@linkcode EVENTS}. */
export type EventName = keyof typeof EVENTS;

/** `eventcreate` refuses longer descriptions. */
const MAX_DESCRIPTION = 1000;

/**
 * The exact arguments of `eventcreate.exe` for an event: Application log,
 * the agent's source, the event's level and ID, the message on one line.
 *
 * @example
 * ```ts
 * eventCreateArgs("exportErrors", "2 export(s) en erreur : …");
 * // ["/L", "APPLICATION", "/SO", "SaxiumBatigestAgent", "/T", "ERROR", "/ID", "300", "/D", "2 export(s) en erreur : …"]
 * ```
 */
export function eventCreateArgs(event: EventName, message: string): string[] {
  const { id, level } = EVENTS[event];
  const text = oneLine(message, MAX_DESCRIPTION);
  return ["/L", "APPLICATION", "/SO", EVENT_SOURCE, "/T", level, "/ID", String(id), "/D", text];
}

/** What became of an event. */
export type EventWriteOutcome =
  | { written: true }
  | { written: false; reason: string };

/** Where {@linkcode writeEvent} runs. */
export interface WriteEventOptions {
  runner: CommandRunner;
  /** `Deno.build.os` by default: only `windows` has an Event Log. */
  os?: string;
}

/**
 * Writes one event; never throws. Off Windows it writes nothing and says so;
 * a refusal of `eventcreate` comes back as a French reason.
 */
export async function writeEvent(
  event: { name: EventName; message: string },
  options: WriteEventOptions,
): Promise<EventWriteOutcome> {
  if ((options.os ?? Deno.build.os) !== "windows") {
    return { written: false, reason: "pas de journal d'événements Windows sur ce système" };
  }
  try {
    const result = await options.runner(EVENTCREATE, eventCreateArgs(event.name, event.message));
    if (result.code === 0) return { written: true };
    const said = `${result.stdout} ${result.stderr}`;
    return {
      written: false,
      reason: /acc[eè]s|access/i.test(said)
        ? "accès refusé au journal d'événements Windows (la tâche planifiée, lancée par SYSTEM, y a droit)"
        : `eventcreate a échoué (code ${result.code})`,
    };
  } catch (error) {
    return {
      written: false,
      reason: error instanceof Deno.errors.NotFound
        ? "eventcreate.exe introuvable"
        : error instanceof Deno.errors.NotCapable
        ? "eventcreate.exe n'est pas dans les programmes permis à cet exécutable"
        : "eventcreate.exe n'a pas pu être lancé",
    };
  }
}
