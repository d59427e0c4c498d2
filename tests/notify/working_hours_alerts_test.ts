/**
 * Batigest closed outside its working hours is silent: the notifier driven
 * pass after pass with the clock injected, as the scheduled task would every
 * few minutes, over a night, a weekend and a public holiday. One alert once
 * the oldest document has waited more than the patience in working hours,
 * repeated in working hours only; "back to normal" only after an alert.
 */

import assert from "node:assert/strict";
import { batigestWait } from "../../lib/batigest/working_hours.ts";
import { notifyAfterPass } from "../../lib/notify/after_pass.ts";
import type { NotifyChannel } from "../../lib/notify/channel.ts";
import { eventFor } from "../../lib/notify/event_log.ts";
import type { AlertMessage, RunReport } from "../../lib/notify/messages.ts";
import { type Bench, SUCCESS, UNREACHABLE, withBench } from "../support/notify_bench.ts";

/** A channel that keeps what it is sent, with the time it was sent. */
function recorder(clock: () => Date) {
  const sent: (AlertMessage & { at: Date })[] = [];
  const channel: NotifyChannel = {
    name: "webhook",
    label: "webhook de test",
    target: "127.0.0.1:9",
    send: (message) => {
      sent.push({ ...message, at: clock() });
      return Promise.resolve();
    },
  };
  return { sent, channel };
}

/** A pass that found Batigest inactive, its documents waiting since `since`, ended at `now`. */
function inactive(since: Date, now: Date, hours?: string): RunReport {
  return {
    exitCode: 5,
    status: "batigest_inactive",
    summary: { synced: 0, errors: 0, reacknowledged: 0, unfinished: 3 },
    message: "Batigest n'importe plus depuis …",
    errors: [],
    batigestWait: batigestWait({ since, now, hours }),
  };
}

/** Runs a pass every `everyMinutes` from `from` until `until` (included); `report` says how each ended. */
async function passes(
  bench: Bench,
  options: {
    from: Date;
    until: Date;
    everyMinutes: number;
    channel: NotifyChannel;
    report: (now: Date) => RunReport;
  },
): Promise<void> {
  for (
    let t = options.from.getTime();
    t <= options.until.getTime();
    t += options.everyMinutes * 60_000
  ) {
    bench.clock.now = new Date(t);
    await notifyAfterPass(options.report(bench.clock.now), {
      settings: { agentId: "SRV-01" },
      folders: bench.folders,
      log: bench.log,
      now: () => bench.clock.now,
      channels: [options.channel],
    });
  }
}

const sentAt = (sent: { at: Date }[]) => sent.map((m) => m.at.toString());

Deno.test("a weekend: silent from Friday evening to Monday; ONE alert once 2 working hours are spent; the recovery after it", async () => {
  await withBench(async (bench) => {
    const { sent, channel } = recorder(() => bench.clock.now);
    const since = new Date(2026, 11, 4, 18, 30); // Friday 4 December 2026, after closing time
    await passes(bench, {
      from: since,
      until: new Date(2026, 11, 7, 11, 55), // Monday
      everyMinutes: 5,
      channel,
      report: (now) => inactive(since, now),
    });
    // Monday 08:00 to 10:00 is exactly the patience; the pass of 10:05 is the first past it.
    assert.deepEqual(sentAt(sent), [new Date(2026, 11, 7, 10, 5).toString()]);
    assert.equal(sent[0].kind, "alert");
    assert.equal(eventFor(sent[0]), "batigestInactive", "Event Log 200");
    assert.match(
      sent[0].subject,
      /SRV-01 : Batigest n'importe plus, des documents attendent depuis le vendredi 04\/12\/2026 à 18:30$/,
    );
    assert.match(sent[0].text, /soit 2 h 05 pendant les heures de travail de Batigest \(lun-ven/);

    bench.clock.now = new Date(2026, 11, 7, 12, 0);
    await notifyAfterPass(SUCCESS, {
      settings: { agentId: "SRV-01" },
      folders: bench.folders,
      log: bench.log,
      now: () => bench.clock.now,
      channels: [channel],
    });
    assert.equal(sent.length, 2);
    assert.equal(sent[1].kind, "recovery");
    assert.match(sent[1].text, /La panne signalée durait depuis le 04\/12\/2026 18:30:00/);
  });
});

Deno.test("a night: silent until Batigest opens and imports; no « retour à la normale » without an alert", async () => {
  await withBench(async (bench) => {
    const { sent, channel } = recorder(() => bench.clock.now);
    const since = new Date(2026, 11, 8, 19, 0); // Tuesday evening
    const opened = new Date(2026, 11, 9, 8, 40); // Wednesday, Batigest imports at last
    await passes(bench, {
      from: since,
      until: opened,
      everyMinutes: 5,
      channel,
      report: (now) => now < opened ? inactive(since, now) : SUCCESS,
    });
    assert.deepEqual(sent, []);
  });
});

Deno.test("a public holiday (Ascension, Thursday 14 May 2026) counts nothing: the alert comes on Friday", async () => {
  await withBench(async (bench) => {
    const { sent, channel } = recorder(() => bench.clock.now);
    const since = new Date(2026, 4, 13, 17, 30); // Wednesday: half an hour before closing time
    await passes(bench, {
      from: since,
      until: new Date(2026, 4, 15, 12, 0),
      everyMinutes: 10,
      channel,
      report: (now) => inactive(since, now),
    });
    // 30 minutes on Wednesday, none on Thursday, 1 h 30 on Friday by 09:30: past it at 09:40.
    assert.deepEqual(sentAt(sent), [new Date(2026, 4, 15, 9, 40).toString()]);
    assert.match(sent[0].text, /soit 2 h 10 pendant les heures de travail/);
  });
});

Deno.test("the alert is repeated in working hours only: not on Saturday, on Monday morning", async () => {
  await withBench(async (bench) => {
    const { sent, channel } = recorder(() => bench.clock.now);
    const since = new Date(2026, 11, 10, 17, 0); // Thursday
    await passes(bench, {
      from: since,
      until: new Date(2026, 11, 14, 9, 0), // Monday
      everyMinutes: 15,
      channel,
      report: (now) => inactive(since, now),
    });
    // Thursday 17:00-18:00, Friday 08:00-09:00: past the patience at 09:15; 24 h later is Saturday.
    assert.deepEqual(sentAt(sent), [
      new Date(2026, 11, 11, 9, 15).toString(),
      new Date(2026, 11, 14, 8, 0).toString(),
    ]);
  });
});

Deno.test("another failure's alert stays open through a quiet Batigest night; the recovery when all is well", async () => {
  await withBench(async (bench) => {
    const { sent, channel } = recorder(() => bench.clock.now);
    const options = {
      settings: { agentId: "SRV-01" },
      folders: bench.folders,
      log: bench.log,
      now: () => bench.clock.now,
      channels: [channel],
    };
    bench.clock.now = new Date(2026, 11, 8, 17, 0);
    await notifyAfterPass(UNREACHABLE, options);
    bench.clock.now = new Date(2026, 11, 8, 20, 0);
    await notifyAfterPass(inactive(new Date(2026, 11, 8, 19, 0), bench.clock.now), options);
    assert.deepEqual(sent.map((m) => m.kind), ["alert"], "the night says nothing");
    bench.clock.now = new Date(2026, 11, 9, 8, 30);
    await notifyAfterPass(SUCCESS, options);
    assert.deepEqual(sent.map((m) => m.kind), ["alert", "recovery"]);
  });
});

Deno.test("other working hours: a Saturday morning counts", async () => {
  await withBench(async (bench) => {
    const { sent, channel } = recorder(() => bench.clock.now);
    const hours = "lun-ven 08:00-12:30,13:30-18:00; sam 09:00-12:00";
    const since = new Date(2026, 11, 4, 18, 30); // Friday evening
    await passes(bench, {
      from: since,
      until: new Date(2026, 11, 5, 12, 0),
      everyMinutes: 5,
      channel,
      report: (now) => inactive(since, now, hours),
    });
    assert.deepEqual(sentAt(sent), [new Date(2026, 11, 5, 11, 5).toString()]);
    assert.match(
      sent[0].text,
      /\(lun-ven 08:00-12:30,13:30-18:00; sam 09:00-12:00, jours fériés exclus\)/,
    );
  });
});
