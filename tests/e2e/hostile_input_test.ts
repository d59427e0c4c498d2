/**
 * Hostile input, end to end: the real agent under its own permission set
 * (and `DENO_AUDIT_PERMISSIONS`, so that even an attempt stopped by the
 * permissions shows) against a Saxium that sends hostile references, XML
 * bombs, huge bodies, JSON of the wrong shape, redirects elsewhere and
 * messages that try to forge log lines. For each: the agent stays inside its
 * two folders and the Saxium host, refuses with a clear error, leaks no token,
 * and loses no other export of the same pass.
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import {
  type AgentRun,
  everythingWritten,
  listFiles,
  makeWorld,
  runAgent,
  type RunOptions,
  spawnAgent,
  TEST_TOKEN,
  unsupportedHere,
  type World,
  type WorldOptions,
} from "../support/agent_process.ts";
import { AuditLog, auditViolations, sha256Hex, worldScope } from "../support/crash_harness.ts";
import { quoteXml } from "../support/documents.ts";
import type { SimExport } from "../support/saxium_simulator.ts";

/** A world whose every run is audited, checked after the body whatever happened. */
interface Hostile {
  world: World;
  runs: AgentRun[];
  /** `sync --once` (plus `args`), recorded and audited. */
  sync(args?: string[], options?: RunOptions): Promise<AgentRun>;
  quote(ref: string, xml?: string): SimExport;
}

async function withHostileWorld(
  options: WorldOptions,
  body: (h: Hostile) => Promise<void>,
): Promise<void> {
  const world = await makeWorld(options);
  const audit = await AuditLog.create();
  const runs: AgentRun[] = [];
  const h: Hostile = {
    world,
    runs,
    async sync(args = [], runOptions = {}) {
      const run = await runAgent(world, ["sync", "--once", ...args], {
        ...runOptions,
        env: { ...audit.env(), ...runOptions.env },
      });
      runs.push(run);
      return run;
    },
    quote(ref, xml) {
      return world.saxium.addExport({
        documentType: "devis_client",
        documentReference: ref,
        files: { xml: xml ?? quoteXml(ref) },
      });
    },
  };
  try {
    await body(h);
    assert.deepEqual(auditViolations(await audit.entries(), worldScope(world)), []);
    const written = await everythingWritten(world, runs);
    assert.ok(!written.includes(TEST_TOKEN), "le jeton apparaît dans une sortie ou un journal");
    assert.deepEqual(await listFiles(world.outsideDir), ["canary.txt"]);
    assert.equal(
      await Deno.readTextFile(nodePath.join(world.outsideDir, "canary.txt")),
      "ne pas toucher",
    );
    assert.deepEqual(
      (await listFiles(world.root)).filter((f) => !/^(work|import|outside)\//.test(f)),
      [],
      "fichier écrit hors des deux dossiers",
    );
    await assertLogLinesGenuine(world, runs);
  } finally {
    await audit.close();
    await world.close();
  }
}

const LOG_LINE = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \[(DEBUG|INFO|WARNING|ERROR)\] \S/;
const FORGED = /^\[2026-01-01 00:00:00\]/;

/** Every log line is well-formed and none was forged by the server's text. */
async function assertLogLinesGenuine(world: World, runs: AgentRun[]): Promise<void> {
  for (const rel of await listFiles(world.workDir)) {
    if (!rel.startsWith("Logs/")) continue;
    // The day's file starts with a UTF-8 BOM (for Windows PowerShell 5.1).
    const text = (await Deno.readTextFile(nodePath.join(world.workDir, rel))).replace(
      /^\uFEFF/,
      "",
    );
    for (const line of text.split("\r\n").filter((l) => l !== "")) {
      assert.match(line, LOG_LINE, `ligne de journal malformée : ${JSON.stringify(line)}`);
      assert.doesNotMatch(line, FORGED, `ligne de journal forgée : ${line}`);
    }
  }
  for (const run of runs) {
    for (const line of (run.stdout + run.stderr).split(/\r\n|\r|\n/)) {
      assert.doesNotMatch(line, FORGED, `ligne forgée sur la console : ${line}`);
    }
  }
}

async function consumedTimes(world: World, e: SimExport): Promise<number> {
  const sha = await sha256Hex(e.files.xml!);
  return world.batigest.ledger.filter((entry) => entry.sha256 === sha).length;
}

/** Synced once with the exact bytes, or refused with a one-line reason and never consumed. */
async function assertOnceOrRefused(world: World, e: SimExport): Promise<"synced" | "refused"> {
  const served = world.saxium.exports.get(e.id)!;
  const times = await consumedTimes(world, e);
  const label = JSON.stringify(e.documentReference).slice(0, 80);
  if (served.status === "imported") {
    assert.equal(times, 1, `${label} importé ${times} fois`);
    return "synced";
  }
  assert.equal(served.status, "error", `${label} ni importé ni en erreur (${served.status})`);
  assert.equal(times, 0, `${label} en erreur mais importé par Batigest`);
  assert.ok(served.errorMessage && served.errorMessage.length > 10, `${label} : raison vide`);
  assert.doesNotMatch(served.errorMessage, /[\r\n]/, `${label} : raison sur plusieurs lignes`);
  return "refused";
}

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$|clock\$)$/i;

/** A name Windows accepts as an ordinary file in the folder it is in. */
function assertSafeWindowsName(name: string): void {
  assert.match(name, /^[\x20-\x7e]+$/, `caractère non ASCII ou de contrôle : ${name}`);
  assert.doesNotMatch(name, /[\\/:*?"<>|]/, `caractère interdit : ${name}`);
  assert.doesNotMatch(name, /[. ]$/, `point ou espace final : ${name}`);
  assert.ok(name.length <= 160, `nom trop long (${name.length}) : ${name}`);
  assert.doesNotMatch(name.split(".")[0].trimEnd(), RESERVED, `nom réservé : ${name}`);
  assert.ok(name !== "." && name !== "..", name);
}

/** References a hostile (or careless) server may send; ≥ 50 of them. */
const HOSTILE_REFERENCES: readonly string[] = [
  // Path traversal, both slash styles, encoded.
  "../../../../etc/passwd",
  "..\\..\\..\\..\\Windows\\win.ini",
  "../outside/canary.txt",
  "..\\outside\\canary",
  "../../outside/pwned",
  "....//....//etc",
  "..",
  ".",
  "a/../../b",
  "DV-1/../../../x",
  "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
  "..%5c..%5cwin.ini",
  "../".repeat(120),
  // Drive letters.
  "C:",
  "C:\\Windows\\System32\\drivers\\etc\\hosts",
  "c:/boot.ini",
  "D:relative",
  "Z:\\",
  // UNC and device paths.
  "\\\\server\\share\\file",
  "//server/share/file",
  "\\\\?\\C:\\Windows\\win.ini",
  "\\\\.\\PhysicalDrive0",
  "\\\\?\\UNC\\server\\share\\x",
  "\\\\127.0.0.1\\c$\\x",
  // Reserved device names, with and without extensions, any case.
  "CON",
  "con",
  "PRN.xml",
  "AUX.txt",
  "NUL",
  "nul.tar.gz",
  "COM1",
  "com9.csv",
  "LPT1",
  "LPT9.xml",
  "CONIN$",
  "CONOUT$",
  "CLOCK$",
  "COM\u00b9",
  "LPT\u00b3.xml",
  "CON .xml",
  "NUL.",
  // Control characters (XML cannot carry most of them: refused), and line separators.
  "DV-1\u0000.xml",
  "DV-\u0007bell",
  "DV-1\r\n[2026-01-01 00:00:00] [INFO] Export falsifié synchronisé",
  "DV\tTAB",
  "DV-\u001b[31mRED",
  "DV-\u007fDEL",
  "DV-\u0085NEL",
  "DV-\u2028LS",
  // Trailing dots and spaces.
  "DV-2.",
  "DV-3 ",
  "DV-4. . .",
  "...",
  "   ",
  "DV-5..",
  " DV-6",
  // Unicode look-alikes, bidi and invisible characters.
  "ＤＶ－１７３０",
  "DV\u2010173",
  "DV\u2215etc\u2215passwd",
  "DV\uFF0F..\uFF0Fx",
  "\u202Egpj.exe",
  "DV\u200B-ZW",
  "ВС-1730",
  "DV-\u0130",
  "\uFB01chier",
  "DV-\uFF0E\uFF0E\uFF3Cx",
  // 300+ characters.
  "x".repeat(300),
  "DV-" + "9".repeat(400),
  "é".repeat(260),
  // Case-only collisions.
  "DV-CASSE",
  "dv-casse",
  "Dv-Casse",
  // Characters Windows forbids, alternate data streams, double extensions.
  'a<b>c:d"e|f?g*h',
  "DV-1.xml:Zone.Identifier",
  "DV-1::$DATA",
  "DV-1.xml;.jpg",
  // Shell and environment expansions.
  "$(rm -rf ~)",
  "`id`",
  "%SystemRoot%\\x",
  "~/.ssh/id_rsa",
  "DV-1 & del *.*",
  // Empty.
  "",
];

/** Characters an XML 1.0 document cannot carry, or a blank reference: refusal is expected. */
function unrepresentable(ref: string): boolean {
  // deno-lint-ignore no-control-regex
  return /[\x00-\x08\x0b\x0c\x0e-\x1f\r]/.test(ref) || ref.trim() === "";
}

Deno.test(`${HOSTILE_REFERENCES.length} hostile references: delivered once under a safe name or refused, never outside`, async () => {
  assert.ok(HOSTILE_REFERENCES.length >= 50);
  await withHostileWorld({}, async (h) => {
    const good = h.quote("DV-1730000000001");
    const hostile = HOSTILE_REFERENCES.map((ref) => h.quote(ref));
    const first = await h.sync();
    assert.equal(first.code, 1, first.stderr);
    assert.equal(await assertOnceOrRefused(h.world, good), "synced");
    let refused = 0;
    for (const e of hostile) {
      const outcome = await assertOnceOrRefused(h.world, e);
      if (outcome === "refused") {
        refused++;
        assert.ok(
          unrepresentable(e.documentReference),
          `${JSON.stringify(e.documentReference)} refusé sans raison valable : ${
            h.world.saxium.exports.get(e.id)!.errorMessage
          }`,
        );
      }
    }
    assert.ok(refused < hostile.length / 4, `${refused} refusés`);
    for (const { name } of h.world.batigest.ledger) assertSafeWindowsName(name);
    for (const rel of await listFiles(h.world.workDir)) {
      const [folder, name] = rel.split("/");
      if (folder === "Archive" || folder === "Errors") assertSafeWindowsName(name);
    }
    assert.deepEqual(await listFiles(h.world.importDir), []);
    // A second pass has nothing to do and delivers nothing again.
    const second = await h.sync();
    assert.equal(second.code, 0, second.stderr);
    assert.equal(h.world.batigest.ledger.length, hostile.length + 1 - refused);
  });
});

Deno.test("case-only collisions waiting together never share a name in the import folder (NTFS)", async () => {
  await withHostileWorld({ consumeDelayMs: 150 }, async (h) => {
    const twins = ["DV-JUMEAU", "dv-jumeau", "Dv-Jumeau", "DV-JUMEAU."].map((r) => h.quote(r));
    let watching = true;
    const clashes: string[] = [];
    let seenTogether = 0;
    const watcher = (async () => {
      while (watching) {
        const names = (await listFiles(h.world.importDir)).filter((n) => /\.xml$/i.test(n));
        const lower = names.map((n) => n.toLowerCase());
        if (new Set(lower).size !== lower.length) clashes.push(names.join(", "));
        if (names.length >= 2) seenTogether++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const run = await h.sync();
    watching = false;
    await watcher;
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(clashes, []);
    assert.ok(seenTogether > 0, "two documents never waited together: the test proved nothing");
    for (const e of twins) assert.equal(await consumedTimes(h.world, e), 1);
    assert.equal(h.world.batigest.ledger.length, 4);
  });
});

const XML_ATTACKS: Record<string, { xml: string; reason: RegExp }> = {
  "external entity (file)": {
    xml: `<?xml version="1.0"?>\n<!DOCTYPE Devis [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n` +
      `<Devis><Reference>&xxe;</Reference></Devis>`,
    reason: /DOCTYPE/,
  },
  "external entity (network)": {
    xml: `<?xml version="1.0"?>\n<!DOCTYPE Devis [<!ENTITY xxe SYSTEM "http://127.0.0.2:9/x">]>\n` +
      `<Devis><Reference>&xxe;</Reference></Devis>`,
    reason: /DOCTYPE/,
  },
  "external DTD": {
    xml: `<?xml version="1.0"?>\n<!DOCTYPE Devis SYSTEM "http://127.0.0.2:9/devis.dtd">\n` +
      `<Devis><Reference>DV-DTD</Reference></Devis>`,
    reason: /DOCTYPE/,
  },
  "parameter entity": {
    xml:
      `<?xml version="1.0"?>\n<!DOCTYPE Devis [<!ENTITY % p SYSTEM "file:///etc/shadow"> %p;]>\n` +
      `<Devis><Reference>DV-PE</Reference></Devis>`,
    reason: /DOCTYPE/,
  },
  "billion laughs": {
    xml: `<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">` +
      Array.from(
        { length: 9 },
        (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ""};`.repeat(10)}">`,
      ).join("") +
      `]>\n<Devis><Reference>&lol9;</Reference></Devis>`,
    reason: /DOCTYPE/,
  },
  "undeclared entity": {
    xml: `<?xml version="1.0"?>\n<Devis><Reference>&xxe;</Reference></Devis>`,
    reason: /mal formé/,
  },
  "10,000-deep nesting": {
    xml: `<?xml version="1.0"?>\n<Devis>${"<a>".repeat(10_000)}x${"</a>".repeat(10_000)}</Devis>`,
    reason: /imbrique plus de \d+ niveaux/,
  },
};

Deno.test("XML with DOCTYPE, external entities, billion laughs, 10,000-deep nesting: refused, nothing fetched, the others delivered", async () => {
  await withHostileWorld({}, async (h) => {
    const before = h.quote("DV-1730000000010");
    const attacks = Object.entries(XML_ATTACKS).map(([name, attack]) => ({
      name,
      attack,
      e: h.quote(`DV-XML-${name.replace(/\W+/g, "-")}`, attack.xml),
    }));
    const after = h.quote("DV-1730000000011");
    const run = await h.sync();
    assert.equal(run.code, 1, run.stderr);
    assert.equal(await assertOnceOrRefused(h.world, before), "synced");
    assert.equal(await assertOnceOrRefused(h.world, after), "synced");
    for (const { name, attack, e } of attacks) {
      assert.equal(await assertOnceOrRefused(h.world, e), "refused", name);
      assert.match(h.world.saxium.exports.get(e.id)!.errorMessage!, attack.reason, name);
    }
    assert.equal(h.world.batigest.ledger.length, 2);
    const errors = (await listFiles(h.world.workDir)).filter((f) => f.endsWith(".erreur.txt"));
    assert.equal(errors.length, attacks.length, "each refused file kept in Errors with its reason");
  });
});

/** Peak resident memory (VmHWM, KiB) of a running child, sampled until it ends. */
async function runWithPeakMemory(
  child: Deno.ChildProcess,
): Promise<{ run: AgentRun; peakKiB: number }> {
  let peak = 0;
  let done = false;
  const output = child.output().finally(() => done = true);
  while (!done) {
    try {
      const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0));
    } catch {
      // the process just ended
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const out = await output;
  const decoder = new TextDecoder();
  return {
    run: { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) },
    peakKiB: peak,
  };
}

const MiB = 1024 * 1024;

const HUGE_DOCUMENT_TEST =
  "a 100 MB document: the size cap stops it (declared or streamed), memory stays low, marked in error";
Deno.test({
  name: HUGE_DOCUMENT_TEST,
  ignore: unsupportedHere({
    name: HUGE_DOCUMENT_TEST,
    runsOn: ["linux"],
    reason: "the agent's memory is read from /proc",
  }),
  async fn() {
    await withHostileWorld({}, async (h) => {
      const small = h.quote("DV-1730000000020");
      const baseline = await runWithPeakMemory(spawnAgent(h.world, ["sync", "--once"]));
      h.runs.push(baseline.run);
      assert.equal(baseline.run.code, 0, baseline.run.stderr);
      assert.equal(await consumedTimes(h.world, small), 1);

      // 1. Served by the simulator with its Content-Length: 100 MB.
      const declared = new Uint8Array(100 * MiB).fill(0x20);
      declared.set(new TextEncoder().encode(`<?xml version="1.0"?>\n<Devis>`));
      const big = h.quote("DV-GROS", undefined);
      h.world.saxium.exports.get(big.id)!.files.xml = declared;
      // 2. Streamed without any length, through a front that relays the rest to the simulator.
      const streamed = h.quote("DV-FLUX");
      const neighbour = h.quote("DV-1730000000021");
      let sentMiB = 0;
      const front = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
        const url = new URL(req.url);
        if (url.pathname === `/api/batigest/exports/${streamed.id}/download`) {
          const chunk = new Uint8Array(MiB).fill(0x20);
          chunk.set(new TextEncoder().encode(`<?xml version="1.0"?>\n<Devis>`));
          return new Response(
            new ReadableStream<Uint8Array>({
              pull(controller) {
                if (sentMiB++ < 100) controller.enqueue(chunk);
                else controller.close();
              },
            }),
            { headers: { "content-type": "application/xml" } },
          );
        }
        const relayed = await fetch(`${h.world.saxium.url}${url.pathname}${url.search}`, {
          method: req.method,
          headers: req.headers,
          body: req.body,
        });
        return new Response(relayed.body, { status: relayed.status, headers: relayed.headers });
      });
      try {
        const frontUrl = `http://127.0.0.1:${front.addr.port}`;
        const viaFront: World = { ...h.world, saxium: { ...h.world.saxium, url: frontUrl } };
        const heavy = await runWithPeakMemory(
          spawnAgent(viaFront, ["sync", "--once"], { env: { SAXIUM_API_URL: frontUrl } }),
        );
        h.runs.push(heavy.run);
        assert.equal(heavy.run.code, 1, heavy.run.stderr);
        for (const e of [big, streamed]) {
          assert.equal(await assertOnceOrRefused(h.world, e), "refused");
          assert.match(h.world.saxium.exports.get(e.id)!.errorMessage!, /taille maximale/);
        }
        assert.equal(await assertOnceOrRefused(h.world, neighbour), "synced");
        assert.ok(sentMiB < 100, `the whole 100 MB stream was read (${sentMiB} MiB sent)`);
        const grewMiB = (heavy.peakKiB - baseline.peakKiB) / 1024;
        assert.ok(
          grewMiB < 100,
          `peak memory ${Math.round(heavy.peakKiB / 1024)} MiB (baseline ${
            Math.round(baseline.peakKiB / 1024)
          } MiB): the body was held in memory`,
        );
        const work = await listFiles(h.world.workDir);
        assert.deepEqual(
          work.filter((f) => f.startsWith("Downloads/")),
          [],
          "partial file removed",
        );
        console.log(
          `100 MB bodies: peak ${Math.round(heavy.peakKiB / 1024)} MiB vs baseline ${
            Math.round(baseline.peakKiB / 1024)
          } MiB; stream stopped after ${sentMiB} MiB`,
        );
      } finally {
        await front.shutdown();
      }
    });
  },
});

// Items without the expected fields are no longer a wrong shape: each is set
// apart and the others go on (saxium_real_answers_test.ts).
const WRONG_SHAPES: Record<string, string> = {
  "a bare string": '"bonjour"',
  "an object instead of a list": '{"success":true,"data":{"id":"x"}}',
  "a number": "42",
  "success without data": '{"success":true}',
};

for (const [label, body] of Object.entries(WRONG_SHAPES)) {
  Deno.test(`pending list as ${label}: exit 3, a clear message, nothing lost`, async () => {
    await withHostileWorld({}, async (h) => {
      const quote = h.quote("DV-1730000000030");
      h.world.saxium.addFault({ route: "pending", times: 1, fault: { status: 200, body } });
      const run = await h.sync();
      assert.equal(run.code, 3, run.stdout + run.stderr);
      assert.match(run.stderr, /Réponse (inattendue|illisible) de Saxium/);
      assert.equal(h.world.saxium.exports.get(quote.id)!.status, "ready");
      assert.equal(h.world.batigest.ledger.length, 0);
      const next = await h.sync();
      assert.equal(next.code, 0, next.stderr);
      assert.equal(await assertOnceOrRefused(h.world, quote), "synced");
    });
  });
}

Deno.test("an export id that is not a UUID (path in the URL): ignored with a clear error, the others delivered", async () => {
  await withHostileWorld({}, async (h) => {
    const good = h.quote("DV-1730000000031");
    for (const id of ["../../../../etc/passwd", "x/../../mark-synced", "%2e%2e%2fstatus"]) {
      h.world.saxium.addExport({
        id,
        documentType: "devis_client",
        documentReference: "DV-ID",
        files: { xml: quoteXml("DV-ID") },
      });
    }
    const run = await h.sync();
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /identifiant .* invalide \(un UUID est attendu\)/);
    assert.equal(await assertOnceOrRefused(h.world, good), "synced");
    assert.equal(h.world.batigest.ledger.length, 1);
    const downloads = h.world.saxium.requests.filter((r) => r.path.endsWith("/download"));
    assert.deepEqual(downloads.map((r) => r.path), [`/api/batigest/exports/${good.id}/download`]);
  });
});

Deno.test("an HTML page with status 200 instead of the document (proxy): retried, not blamed on the document", async () => {
  await withHostileWorld({}, async (h) => {
    const quote = h.quote("DV-1730000000040");
    h.world.saxium.addFault({ route: "download", times: 1, fault: "html" });
    const first = await h.sync();
    assert.ok(first.code === 0 || first.code === 3, `exit ${first.code}: ${first.stderr}`);
    if (first.code === 3) assert.equal((await h.sync()).code, 0);
    const served = h.world.saxium.exports.get(quote.id)!;
    assert.equal(
      served.status,
      "imported",
      `une page HTML de proxy a mis le document en erreur : ${served.errorMessage}`,
    );
    assert.equal(served.retryCount, 0);
    assert.equal(await consumedTimes(h.world, quote), 1);
  });
});

const ELSEWHERE = ["http://127.0.0.2:9/x", "file:///etc/passwd", "http://127.0.0.1:9/x"];

Deno.test("redirects to another host, port or scheme are refused, never followed", async () => {
  await withHostileWorld({}, async (h) => {
    const quote = h.quote("DV-1730000000050");
    // On the pending list: the pass stops (exit 3), nothing lost.
    for (const target of ELSEWHERE) {
      h.world.saxium.addFault({ route: "pending", times: 1, fault: { redirectTo: target } });
      const run = await h.sync();
      assert.equal(run.code, 3, run.stdout + run.stderr);
      assert.match(run.stderr, /redirige vers un autre serveur.*redirection refusée/);
    }
    assert.equal(h.world.saxium.exports.get(quote.id)!.status, "ready");
    // On an acknowledgement: refused, then acknowledged on the next pass, never delivered twice.
    h.world.saxium.addFault({
      route: "mark-synced",
      times: 1,
      fault: { redirectTo: ELSEWHERE[0] },
    });
    const refused = await h.sync();
    // That export alone is set aside (a person must see it: exit 1); the others would go on.
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.equal(await consumedTimes(h.world, quote), 1);
    assert.equal((await h.sync()).code, 0);
    assert.equal(await assertOnceOrRefused(h.world, quote), "synced");
    // On a download: that export is refused with the reason, the next one goes through.
    const redirected = h.quote("DV-1730000000051");
    const neighbour = h.quote("DV-1730000000052");
    h.world.saxium.addFault({
      route: "download",
      exportId: redirected.id,
      fault: { redirectTo: ELSEWHERE[0] },
    });
    const run = await h.sync();
    assert.ok(run.code === 1 || run.code === 3, `exit ${run.code}`);
    if (run.code === 3) await h.sync();
    assert.equal(await consumedTimes(h.world, redirected), 0);
    assert.notEqual(h.world.saxium.exports.get(redirected.id)!.status, "imported");
    assert.equal(await assertOnceOrRefused(h.world, neighbour), "synced");
    assert.equal(h.world.batigest.ledger.length, 2);
  });
});

const UNSAFE_API_URLS = [
  "http://saxium.example.com",
  "http://192.168.1.10:8080",
  "http://localhost.evil.example",
  "http://127.0.0.1@evil.example",
  "http://user:pass@127.0.0.1:9",
  "ftp://127.0.0.1/",
  "file:///etc/passwd",
  "javascript:alert(1)",
  "https://saxium.example.com/api?token=x",
];

Deno.test("http:// to a non-loopback host and other unsafe apiUrls: exit 2, one clear line, nothing touched", async () => {
  await withHostileWorld({}, async (h) => {
    for (const apiUrl of UNSAFE_API_URLS) {
      const run = await h.sync(["--api-url", apiUrl]);
      assert.equal(run.code, 2, `${apiUrl}: exit ${run.code} ${run.stderr}`);
      assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
      assert.match(run.stderr, /--api-url/, "named by the option typed");
      assert.doesNotMatch(run.stderr, /user:pass|token=x/, "secret of the URL echoed");
    }
    assert.deepEqual(await listFiles(h.world.workDir), [], "nothing created");
    assert.equal(h.world.saxium.requests.length, 0);
  });
});

Deno.test("header injection through agentId (flag, variable, agent.json): exit 2 before any request", async () => {
  await withHostileWorld({}, async (h) => {
    const evil = ["x\r\nX-Evil: 1", "x\nX-Evil: 1", "POSTE 01", "POSTÉ-01", "x".repeat(65)];
    for (const id of evil) {
      const byFlag = await h.sync(["--agent-id", id]);
      assert.equal(byFlag.code, 2, `--agent-id ${JSON.stringify(id)}: ${byFlag.stderr}`);
      assert.match(byFlag.stderr, /agentId/);
      assert.equal(byFlag.stderr.trim().split("\n").length, 1, byFlag.stderr);
      const byEnv = await h.sync([], { env: { SAXIUM_AGENT_ID: id } });
      assert.equal(byEnv.code, 2, `SAXIUM_AGENT_ID ${JSON.stringify(id)}: ${byEnv.stderr}`);
    }
    await Deno.mkdir(h.world.workDir, { recursive: true });
    await Deno.writeTextFile(
      nodePath.join(h.world.workDir, "agent.json"),
      JSON.stringify({ agentId: "x\r\nX-Evil: 1" }),
    );
    const byFile = await h.sync([], { env: { SAXIUM_AGENT_ID: "" } });
    assert.equal(byFile.code, 2, byFile.stderr);
    assert.equal(h.world.saxium.requests.length, 0, "no request sent");
    assert.deepEqual(await listFiles(h.world.workDir), ["agent.json"]);
  });
});

const FORGERY = "\r\n[2026-01-01 00:00:00] [INFO] Export DV-FAUX synchronisé et archivé.\r\n" +
  "[2026-01-01 00:00:00] [ERROR] ";

Deno.test("server messages with CR/LF and fake log lines never forge a log line, nor leak the token", async () => {
  await withHostileWorld({}, async (h) => {
    const refused = h.quote("DV-1730000000060");
    const fine = h.quote("DV-1730000000061");
    const message = `Refusé${FORGERY}Bearer ${TEST_TOKEN}\u2028[2026-01-01 00:00:00] [INFO] fin`;
    h.world.saxium.addFault({
      route: "download",
      exportId: refused.id,
      fault: { status: 400, body: JSON.stringify({ success: false, message }) },
    });
    h.world.saxium.addFault({
      route: "mark-synced",
      times: 1,
      fault: { status: 500, body: JSON.stringify({ success: false, message }) },
    });
    h.world.saxium.addFault({
      route: "pending",
      times: 1,
      fault: {
        status: 502,
        body: `<html>${FORGERY}</html>`,
        headers: { "content-type": "text/html" },
      },
    });
    const typed = h.world.saxium.addExport({
      documentType: `devis_client${FORGERY}`,
      documentReference: "DV-1730000000062",
      files: { xml: quoteXml("DV-1730000000062") },
    });
    const first = await h.sync();
    assert.equal(first.code, 1, first.stdout + first.stderr);
    assert.equal(await assertOnceOrRefused(h.world, fine), "synced");
    assert.equal(await assertOnceOrRefused(h.world, refused), "refused");
    assert.equal(await assertOnceOrRefused(h.world, typed), "refused");
    // The pending list itself answering success:false with a forged message.
    h.world.saxium.addFault({
      route: "pending",
      times: 1,
      fault: { status: 200, body: JSON.stringify({ success: false, message }) },
    });
    const second = await h.sync();
    assert.equal(second.code, 3, second.stdout + second.stderr);
    for (const rel of await listFiles(h.world.workDir)) {
      if (!rel.endsWith(".erreur.txt")) continue;
      const note = await Deno.readTextFile(nodePath.join(h.world.workDir, rel));
      // The reason on one line, then only the export it belongs to: nothing forged.
      const [reason, ...rest] = note.split("\r\n");
      assert.doesNotMatch(reason, /[\r\n\u2028]/, `${rel} : plusieurs lignes`);
      assert.match(rest.join("\r\n"), /^(\r\nExport Saxium : [0-9a-f-]{36}\r\n)?$/, rel);
      assert.ok(!reason.includes(TEST_TOKEN), `${rel} : jeton`);
    }
    for (const e of h.world.saxium.exports.values()) {
      assert.ok(!(e.errorMessage ?? "").includes(TEST_TOKEN), "jeton renvoyé à Saxium");
    }
  });
});
