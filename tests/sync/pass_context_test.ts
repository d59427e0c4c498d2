import assert from "node:assert/strict";
import { Logger } from "../../lib/base/log.ts";
import { PassReport } from "../../lib/sync/pass_context.ts";

async function withReport(
  body: (report: PassReport, lines: string[], clock: { ms: number }) => void,
) {
  const dir = await Deno.makeTempDir();
  try {
    const lines: string[] = [];
    const log = new Logger({
      dir,
      level: "INFO",
      retentionDays: 30,
      console: (l) => lines.push(l),
    });
    const clock = { ms: 0 };
    body(new PassReport(log, { secrets: [], clock: () => clock.ms }), lines, clock);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("progress: a line every 25 exports on a backlog, with what is left", async () => {
  await withReport((report, lines, clock) => {
    report.known(120);
    for (let i = 1; i <= 60; i++) {
      clock.ms = i * 100; // 0.1 s per export, never 10 s between two lines
      report.count(i % 20 === 0 ? "errors" : "synced");
    }
    const progress = lines.filter((l) => l.includes("Progression"));
    assert.equal(progress.length, 2, lines.join("\n"));
    assert.match(
      progress[0],
      /\[INFO\] Progression : 25 exports traités sur 120 connus \(24 synchronisés, 1 en erreur\) ; reste environ 10 s\.$/,
    );
    assert.match(
      progress[1],
      /Progression : 50 exports traités sur 120 connus \(48 synchronisés, 2 en erreur\)/,
    );
  });
});

Deno.test("progress: every 10 s on a slow backlog; none for a short pass or at the end", async () => {
  await withReport((report, lines, clock) => {
    report.known(8);
    for (let i = 1; i <= 8; i++) {
      clock.ms = i * 4_000;
      report.count("synced");
    }
    const progress = lines.filter((l) => l.includes("Progression"));
    assert.deepEqual(progress.map((l) => l.replace(/^.*Progression : /, "")), [
      "3 exports traités sur 8 connus (3 synchronisés, 0 en erreur) ; reste environ 20 s.",
      "6 exports traités sur 8 connus (6 synchronisés, 0 en erreur) ; reste environ 8 s.",
    ]);
    assert.equal(report.result({ unfinished: 0 }).elapsedMs, 32_000);
  });
  await withReport((report, lines) => {
    report.known(3);
    for (let i = 0; i < 3; i++) report.count("synced");
    assert.deepEqual(lines.filter((l) => l.includes("Progression")), []);
  });
});
