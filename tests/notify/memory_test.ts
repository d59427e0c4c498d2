/**
 * The alerts' memory: once per failure, again after `repeatHours`, "back to
 * normal" once, each channel on its own; and its file, written atomically.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  emptyNotifyState,
  fileAlertStore,
  loadNotifyState,
  nextNotifyState,
  type NotifyState,
  notifyStatePath,
  planNotifications,
  saveNotifyState,
} from "../../lib/notify/memory.ts";

Deno.test("decisions: one alert per failure, repeated after repeatHours, recovery once", () => {
  const at = (h: number) => new Date(Date.UTC(2025, 0, 31, 10) + h * 3_600_000);
  let state: NotifyState = emptyNotifyState();
  const step = (failed: boolean, fingerprint: string, h: number, delivered = true) => {
    const outcome = { failed, fingerprint, at: at(h) };
    const plan = planNotifications(state, { outcome, channels: ["smtp"], repeatHours: 24 });
    state = nextNotifyState(state, {
      outcome,
      plan,
      delivered: { smtp: delivered },
      repeatHours: 24,
    });
    return plan.smtp;
  };
  assert.equal(step(false, "", 0), "none", "nothing to say while all is well");
  assert.equal(step(true, "3:a", 1), "alert");
  assert.equal(state.failingSince, at(1).toISOString());
  assert.equal(step(true, "3:a", 2), "none", "same failure within 24 h");
  assert.equal(step(true, "3:b", 3), "alert", "another failure");
  assert.equal(step(true, "3:a", 24.9), "none");
  assert.equal(step(true, "3:a", 25), "alert", "24 h after the last alert");
  assert.equal(state.failingSince, at(1).toISOString(), "still the same run of failures");
  assert.equal(step(false, "", 26, false), "recovery");
  assert.equal(state.channels.smtp.open, true, "a recovery not delivered stays owed");
  assert.equal(state.failingSince, undefined);
  assert.equal(step(false, "", 27), "recovery");
  assert.equal(step(false, "", 28), "none", "said once");
  assert.equal(step(true, "3:c", 29, false), "alert");
  assert.equal(step(true, "3:c", 29.1), "alert", "an alert not delivered is tried again");
  assert.equal(step(true, "3:c", 29.2), "none");
  // Back to normal said, then the same failure again an hour later: the last
  // word the administrator read was "all is well", so it is told again.
  assert.equal(step(false, "", 30), "recovery");
  assert.equal(step(true, "3:c", 31), "alert", "a new outage after the recovery message");
});

Deno.test("decisions: each channel keeps its own memory", () => {
  const outcome = { failed: true, fingerprint: "1:x", at: new Date() };
  const plan = planNotifications(emptyNotifyState(), {
    outcome,
    channels: ["smtp", "webhook"],
    repeatHours: 24,
  });
  const state = nextNotifyState(emptyNotifyState(), {
    outcome,
    plan,
    delivered: { smtp: false, webhook: true },
    repeatHours: 24,
  });
  assert.deepEqual(
    planNotifications(state, { outcome, channels: ["smtp", "webhook"], repeatHours: 24 }),
    { smtp: "alert", webhook: "none" },
  );
});

Deno.test("state file (the journal unusable): written atomically, read back; garbage reads as empty", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const folders = { state: nodePath.join(dir, "State") };
    const path = notifyStatePath(folders);
    const store = fileAlertStore(folders);
    assert.deepEqual(loadNotifyState(store), emptyNotifyState());
    const state: NotifyState = {
      failing: true,
      failingSince: "2025-01-31T10:00:00.000Z",
      channels: { smtp: { sent: { "3:a": "2025-01-31T10:00:00.000Z" }, open: true } },
    };
    saveNotifyState(store, state);
    assert.deepEqual(loadNotifyState(store), state);
    assert.deepEqual([...Deno.readDirSync(nodePath.dirname(path))].map((e) => e.name), [
      "notify.json",
    ]);
    await Deno.writeTextFile(path, "{ pas du json");
    assert.deepEqual(loadNotifyState(store), emptyNotifyState());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
