/**
 * `deno task soak [--kills N]`: the random kills of `tests/e2e/crash_random_kills_test.ts`,
 * as long as asked. Kills the real agent with SIGKILL at random moments
 * (downloads, deliveries, acknowledgements) while the simulated Saxium fails
 * a share of requests, restarts it until each pass completes, and checks
 * every world against Batigest's ledger and Saxium's record.
 *
 * Prints the kills, duplicates, losses, exports falsely marked synced and
 * exports a poisoned one kept waiting, and exits 1 if any document was
 * duplicated or lost (or any other promise broken), 0 otherwise.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  addReport,
  type CrashReport,
  emptyReport,
  formatReport,
  groupProblems,
  isDuplicateOrLoss,
  runFailpoints,
  runRandomKills,
} from "../tests/support/crash_harness.ts";

const HELP = `Usage: deno task soak [options]

Kills the agent at random moments, restarts it, and checks that every document
entered Batigest exactly once and was acknowledged.

  --kills N            random kills to land (default 1000)
  --fault-rate R       share of Saxium requests that fail: 5xx, 429, truncated body,
                       reset, HTML page (default 0.2; 0 for none)
  --no-html-downloads  keep the HTML-page fault off downloads (JSON routes only)
  --kills-per-world K  kills before a world is finished and checked (default 10)
  --concurrency C      worlds at once (default 2)
  --failpoints         also kill the agent at every failpoint first
  --audit              run every agent under DENO_AUDIT_PERMISSIONS and check the accesses
  --seed S             seed of the harness's choices (delays, formats)
  --batigest-flaps P   chance before each run that Batigest closes or reopens (default 0.2)
  --slow-read MS       Batigest reads orders slowly, deleting them MS later; the agent
                       runs with a shorter --import-timeout (default 2500; 0 for off)
  --no-bad-exports     leave out issue 19's bad exports (a download or an acknowledgement
                       that keeps failing, a corrected re-export, a document Batigest
                       refuses, Batigest leaving empty files, State\\ deleted)
  --quiet              only the final lines
  --help               this help

Exit code 0: no duplicate, no loss, no broken promise; 1 otherwise; 2 bad options.`;

/** Runs the soak with command-line `args`; resolves to the exit code. */
export async function soak(args: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        "kills": { type: "string", default: "1000" },
        "fault-rate": { type: "string", default: "0.2" },
        "no-html-downloads": { type: "boolean", default: false },
        "kills-per-world": { type: "string", default: "10" },
        "concurrency": { type: "string", default: "2" },
        "failpoints": { type: "boolean", default: false },
        "audit": { type: "boolean", default: false },
        "seed": { type: "string" },
        "batigest-flaps": { type: "string", default: "0.2" },
        "slow-read": { type: "string", default: "2500" },
        "no-bad-exports": { type: "boolean", default: false },
        "quiet": { type: "boolean", default: false },
        "help": { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const kills = Number(values.kills);
  const faultRate = Number(values["fault-rate"]);
  const perWorld = Number(values["kills-per-world"]);
  const concurrency = Number(values.concurrency);
  const flaps = Number(values["batigest-flaps"]);
  const slowRead = Number(values["slow-read"]);
  const seed = values.seed === undefined
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(values.seed);
  if (
    !Number.isInteger(kills) || kills < 1 || !(faultRate >= 0 && faultRate < 1) ||
    !Number.isInteger(perWorld) || perWorld < 1 || !Number.isInteger(concurrency) ||
    concurrency < 1 || !Number.isInteger(seed) || !(flaps >= 0 && flaps <= 1) ||
    !Number.isInteger(slowRead) || slowRead < 0
  ) {
    console.error(`Invalid option value.\n\n${HELP}`);
    return 2;
  }

  const stop = new AbortController();
  const onInterrupt = () => {
    if (!values.quiet) console.log("Interrupted: finishing the worlds in hand, then the summary.");
    stop.abort();
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  const log = values.quiet ? undefined : (line: string) => console.log(line);
  const started = Date.now();
  const total: CrashReport = emptyReport();
  try {
    if (values.failpoints) {
      const report = await runFailpoints({ concurrency, log });
      addReport(total, report);
      console.log(formatReport(report));
    }
    if (!stop.signal.aborted) {
      if (!values.quiet) {
        console.log(
          `soak: ${kills} random kills, ${
            Math.round(faultRate * 1000) / 10
          } % faulty requests, Batigest flaps ${flaps}, slow reads ${slowRead} ms, bad exports ${
            values["no-bad-exports"] ? "off" : "on"
          }, seed ${seed}`,
        );
      }
      let done = 0;
      const report = await runRandomKills({
        kills,
        killsPerWorld: perWorld,
        faultRate,
        htmlOnDownloads: !values["no-html-downloads"],
        concurrency,
        audit: values.audit,
        seed,
        batigestFlaps: flaps,
        slowReadMs: slowRead > 0 ? slowRead : undefined,
        badExports: !values["no-bad-exports"],
        signal: stop.signal,
        log: log && ((line) => {
          done++;
          const seconds = ((Date.now() - started) / 1000).toFixed(0);
          log(`[${done}/${Math.ceil(kills / perWorld)}, ${seconds} s] ${line}`);
        }),
      });
      addReport(total, report);
      console.log(formatReport(report));
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
  total.elapsedMs = Date.now() - started;
  const groups = groupProblems(total.problems);
  for (const [n, problem] of groups.slice(0, 20)) {
    console.log(`  ${String(n).padStart(4)} × ${problem}`);
  }
  if (groups.length > 20) console.log(`  … and ${groups.length - 20} other kinds of problem`);
  const others = total.problems.filter((p) => !isDuplicateOrLoss(p)).length;
  const landed = total.randomKills + total.failpointKills;
  const seconds = (total.elapsedMs / 1000).toFixed(0);
  console.log(
    `soak: ${landed} kills, ${total.duplicates} duplicates, ${total.losses} losses, ` +
      `${total.falseSynced} false synced, ${total.stuck} stuck while others waited, ` +
      `${others} other problems, ${seconds} s (seed ${seed})`,
  );
  const broken = total.duplicates + total.losses + total.falseSynced + total.stuck;
  return broken > 0 || total.problems.length > 0 ? 1 : 0;
}

if (import.meta.main) {
  Deno.exit(await soak(Deno.args));
}
