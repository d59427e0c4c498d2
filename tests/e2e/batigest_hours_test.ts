/**
 * Batigest's working hours, the agent itself under its permission set: a
 * document delivered on a Saturday night waits silently (exit 5, an INFO
 * saying it is normal, no webhook call); on Monday, once it has waited more
 * than the patience in working hours, ONE alert; the next pass none; when
 * Batigest imports, « retour à la normale ». The clock is the machine's,
 * moved by `faketime` (libfaketime), in Europe/Paris as on the server; the
 * test says why it is skipped where `faketime` is missing.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { notifyNetHosts } from "../../lib/base/notify_settings.ts";
import {
  type AgentRun,
  listFiles,
  makeWorld,
  runAgent,
  type World,
} from "../support/agent_process.ts";
import { quoteXml } from "../support/documents.ts";
import { faketimeMissing, runAgentAt } from "../support/faketime.ts";
import { notifyConfig } from "../support/notify_bench.ts";
import { startWebhookReceiver } from "../support/webhook_receiver.ts";

/** `sync --once` with the machine's clock starting at `at` (local time, Europe/Paris). */
function syncAt(world: World, at: string, extraNetHosts: string[]): Promise<AgentRun> {
  return runAgentAt(world, `@${at}`, ["sync", "--once", "--import-timeout", "1"], {
    extraNetHosts,
    env: { TZ: "Europe/Paris" },
  });
}

Deno.test({
  name:
    "agent: Saturday night silent, one alert on Monday past the patience, none again, « retour à la normale » when Batigest imports",
  ignore: faketimeMissing("the Saturday-night end-to-end test"),
  async fn() {
    const world = await makeWorld({ batigestStopped: true });
    const hook = startWebhookReceiver();
    try {
      const notify = { webhookUrl: hook.url };
      await Deno.mkdir(world.workDir, { recursive: true });
      await Deno.writeTextFile(
        nodePath.join(world.workDir, "agent.json"),
        JSON.stringify({ notify }),
      );
      const hosts = notifyNetHosts(notifyConfig(notify));
      world.saxium.addExport({
        documentType: "devis_client",
        documentReference: "DV-SAMEDI",
        files: { xml: quoteXml("DV-SAMEDI") },
      });

      // Saturday 5 December 2026, 23:30: delivered, Batigest closed.
      const night = await syncAt(world, "2026-12-05 23:30:00", hosts);
      assert.equal(night.code, 5, night.stdout + night.stderr);
      assert.match(
        night.stdout,
        /\[INFO\] .*Batigest n'importe plus depuis 23:30 : hors de ses heures de travail \(lun-ven 08:00-18:00\), c'est normal, pas d'alerte avant le 07\/12 à 10:00 ;/,
      );
      assert.doesNotMatch(night.stderr, /\[ERROR\]/);
      assert.equal(hook.received.length, 0, "a Saturday night is silent");

      // Sunday afternoon, Monday 09:00: still within the patience.
      for (const at of ["2026-12-06 15:00:00", "2026-12-07 09:00:00"]) {
        const run = await syncAt(world, at, hosts);
        assert.equal(run.code, 5, run.stdout + run.stderr);
      }
      assert.equal(hook.received.length, 0, "within the patience: silent");

      // Monday 10:05: 2 h 05 of working time, more than the 2 hours of patience.
      const monday = await syncAt(world, "2026-12-07 10:05:00", hosts);
      assert.equal(monday.code, 5, "exit 5 stays: Batigest took nothing");
      assert.match(monday.stderr, /dépasse la patience de 2 h \(batigestPatienceHours\)/);
      assert.equal(hook.received.length, 1, monday.stdout + monday.stderr);
      const alert = hook.received[0].body as { title: string; text: string; event: string };
      assert.equal(alert.event, "sync.failure");
      assert.match(
        alert.title,
        /SRV-TEST : Batigest n'importe plus, des documents attendent depuis le samedi 05\/12\/2026 à 23:30$/,
      );
      assert.match(alert.text, /Vérifiez que Batigest est ouvert/);

      const again = await syncAt(world, "2026-12-07 10:10:00", hosts);
      assert.equal(again.code, 5);
      assert.equal(hook.received.length, 1, "the same wait: no second alert");

      world.batigest.start();
      const back = await syncAt(world, "2026-12-07 10:15:00", hosts);
      assert.equal(back.code, 0, back.stdout + back.stderr);
      assert.equal(world.batigest.ledger.length, 1, "imported once");
      assert.equal(hook.received.length, 2);
      const recovery = hook.received[1].body as { title: string; text: string; event: string };
      assert.equal(recovery.event, "sync.recovery");
      assert.match(recovery.text, /La panne signalée durait depuis le 05\/12\/2026 23:30/);
    } finally {
      await hook.close();
      await world.close();
    }
  },
});

Deno.test("agent: a batigestHours it cannot read stops it at load, exit 2, one French line with an example, nothing touched", async () => {
  const world = await makeWorld();
  try {
    await Deno.mkdir(world.workDir, { recursive: true });
    await Deno.writeTextFile(
      nodePath.join(world.workDir, "agent.json"),
      JSON.stringify({ batigestHours: "lundi-vendredi 8h-18h; samedi matin" }),
    );
    world.saxium.addExport({
      documentType: "devis_client",
      documentReference: "DV-HEURES",
      files: { xml: quoteXml("DV-HEURES") },
    });
    const run = await runAgent(world, ["sync", "--once"]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(
      run.stderr.trim(),
      'Configuration : Paramètre batigestHours invalide (« lundi-vendredi 8h-18h; samedi matin ») : pas d\'horaire dans « samedi matin » ; écrivez les jours puis les heures, par exemple "lun-ven 08:00-12:30,13:30-18:00; sam 09:00-12:00" dans agent.json.',
    );
    assert.deepEqual(await listFiles(world.importDir), [], "nothing delivered");
    assert.equal(world.saxium.requests.length, 0, "Saxium not asked");
  } finally {
    await world.close();
  }
});
