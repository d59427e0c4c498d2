/**
 * The Windows Event Log as one more alert channel: the same decisions as the
 * e-mail and the webhook (once per failure per `repeatHours`, then "back to
 * normal"), written where supervision tools look. Which event ID a message
 * gets follows the pass's exit code (`lib/windows/event_log.ts` owns the IDs).
 * Only on Windows, and unless `eventLog` is false.
 *
 * @module
 */

import type { CommandRunner } from "../base/command_runner.ts";
import { EXIT } from "../base/exit_codes.ts";
import { type EventName, writeEvent } from "../windows/event_log.ts";
import type { NotifyChannel } from "./channel.ts";
import type { AlertMessage } from "./messages.ts";

/** The event a message stands for. */
export function eventFor(message: AlertMessage): EventName {
  if (message.kind === "recovery") return "recovered";
  if (message.kind === "test") return "test";
  const pass = message.payload.pass as { exitCode?: number } | undefined;
  switch (pass?.exitCode) {
    case EXIT.unreachable:
      return "serverUnavailable";
    case EXIT.batigestInactive:
      return "batigestInactive";
    case EXIT.config: // a damaged journal stops a run with the configuration's code
    case EXIT.localTrouble:
      return "localTrouble";
    default:
      return "exportErrors";
  }
}

/** The Event Log channel, writing through `eventcreate.exe` with `runner`. */
export function eventLogChannel(options: { runner: CommandRunner; os?: string }): NotifyChannel {
  return {
    name: "eventlog",
    label: "le journal d'événements Windows",
    async send(message) {
      const outcome = await writeEvent(
        { name: eventFor(message), message: `${message.subject}\n${message.text}` },
        { runner: options.runner, os: options.os },
      );
      if (!outcome.written) throw new Error(outcome.reason);
    },
  };
}
