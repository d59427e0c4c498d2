import assert from "node:assert/strict";
import {
  type BatigestSimulator,
  type BatigestSimulatorOptions,
  startBatigestSimulator,
} from "../support/batigest_simulator.ts";

async function withBatigest(
  fn: (b: BatigestSimulator, dir: string) => Promise<void>,
  options: Omit<BatigestSimulatorOptions, "dir"> = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "batigest_sim_test_" });
  const batigest = startBatigestSimulator({ dir, ...options });
  try {
    await fn(batigest, dir);
  } finally {
    await batigest.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!await check()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function names(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const e of Deno.readDir(dir)) found.push(e.name);
  return found.sort();
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("consumes .xml and .csv (any case), records them, ignores other names", async () => {
  await withBatigest(async (batigest, dir) => {
    const xml = new TextEncoder().encode("<Devis><Reference>DV-1</Reference></Devis>\n");
    await Deno.writeTextFile(`${dir}/DV-1.xml.tmp`, "partial");
    await Deno.writeTextFile(`${dir}/notes.txt`, "hello");
    // Put in place whole, as the agent does (a file written in place may be read half-written).
    await Deno.writeFile(`${dir}/~DV-1`, xml);
    await Deno.rename(`${dir}/~DV-1`, `${dir}/DV-1.xml`);
    await Deno.writeTextFile(`${dir}/~BC-2`, "Type;Reference\n");
    await Deno.rename(`${dir}/~BC-2`, `${dir}/BC-2.CSV`);
    await until(() => batigest.ledger.length === 2);
    await until(async () => (await names(dir)).length === 2);
    assert.deepEqual(await names(dir), ["DV-1.xml.tmp", "notes.txt"]);
    const entry = batigest.ledger.find((e) => e.name === "DV-1.xml")!;
    assert.equal(entry.bytes, xml.length);
    assert.equal(entry.sha256, await sha256(xml));
    assert.ok(batigest.ledger.some((e) => e.name === "BC-2.CSV"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(batigest.ledger.length, 2);
  });
});

Deno.test("a file renamed into place is consumed once", async () => {
  await withBatigest(async (batigest, dir) => {
    await Deno.writeTextFile(`${dir}/DV-3.xml.tmp`, "<Devis/>");
    await Deno.rename(`${dir}/DV-3.xml.tmp`, `${dir}/DV-3.xml`);
    await until(() => batigest.ledger.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(batigest.ledger.map((e) => e.name), ["DV-3.xml"]);
    assert.deepEqual(await names(dir), []);
  });
});

Deno.test("stop() leaves files alone, start() resumes", async () => {
  await withBatigest(async (batigest, dir) => {
    batigest.stop();
    await Deno.writeTextFile(`${dir}/DV-4.xml`, "<Devis/>");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(batigest.ledger.length, 0);
    assert.deepEqual(await names(dir), ["DV-4.xml"]);
    batigest.start();
    await until(() => batigest.ledger.length === 1);
    await until(async () => (await names(dir)).length === 0);
  });
});

Deno.test("consumeDelayMs: the file stays during import, files go one at a time", async () => {
  await withBatigest(async (batigest, dir) => {
    await Deno.writeTextFile(`${dir}/A.xml`, "<a/>");
    await Deno.writeTextFile(`${dir}/B.xml`, "<b/>");
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(batigest.ledger.length, 0);
    assert.deepEqual(await names(dir), ["A.xml", "B.xml"]);
    await until(() => batigest.ledger.length === 2);
    const [a, b] = batigest.ledger;
    assert.deepEqual([a.name, b.name], ["A.xml", "B.xml"]);
    assert.ok(b.at - a.at >= 140, `${b.at - a.at}`);
    await until(async () => (await names(dir)).length === 0);
  }, { consumeDelayMs: 150 });
});

Deno.test("close() during an import returns promptly without recording it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "batigest_sim_test_" });
  const batigest = startBatigestSimulator({ dir, consumeDelayMs: 10_000 });
  try {
    await Deno.writeTextFile(`${dir}/A.xml`, "<a/>");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await batigest.close();
    assert.ok(Date.now() - started < 1000);
    assert.equal(batigest.ledger.length, 0);
    assert.deepEqual(await names(dir), ["A.xml"]);
  } finally {
    await batigest.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Puts `name` in place whole, as the agent does (under a temporary name Batigest ignores first). */
async function drop(dir: string, name: string, text = "<Devis/>"): Promise<void> {
  await Deno.writeTextFile(`${dir}/~${name}.tmp`, text);
  await Deno.rename(`${dir}/~${name}.tmp`, `${dir}/${name}`);
}

Deno.test("traces: refused files renamed or moved aside as told, recorded as refusals, not imports", async () => {
  await withBatigest(async (batigest, dir) => {
    await drop(dir, "DV-1.xml");
    await drop(dir, "DV-2.xml");
    await drop(dir, "DV-3.xml");
    await until(() => batigest.ledger.length + batigest.refusals.length === 3);
    assert.deepEqual(batigest.ledger.map((e) => e.name), ["DV-3.xml"]);
    assert.deepEqual(
      batigest.refusals.map(({ name, how, trace }) => ({ name, how, trace })),
      [
        { name: "DV-1.xml", how: "renamed", trace: "DV-1.xml.err" },
        { name: "DV-2.xml", how: "moved", trace: "Erreurs/DV-2.xml" },
      ],
    );
    assert.deepEqual(await names(dir), ["DV-1.xml.err", "Erreurs"]);
    assert.deepEqual(await names(`${dir}/Erreurs`), ["DV-2.xml"]);
  }, {
    renamesRefused: { select: (n) => n === "DV-1.xml", to: (n) => `${n}.err` },
    movesRefused: { select: (n) => n === "DV-2.xml", folder: "Erreurs" },
  });
});

Deno.test("traces: leavesEmpty imports each file once and leaves it empty; a new file of that name is imported", async () => {
  await withBatigest(async (batigest, dir) => {
    await drop(dir, "DV-1.xml", "<Devis>1</Devis>");
    await until(() => batigest.ledger.length === 1);
    await until(async () => (await Deno.stat(`${dir}/DV-1.xml`)).size === 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(batigest.ledger.length, 1, "an empty file is not imported again");
    assert.equal(batigest.ledger[0].leftEmpty, true);
    await Deno.remove(`${dir}/DV-1.xml`);
    await drop(dir, "DV-1.xml", "<Devis>2</Devis>");
    await until(() => batigest.ledger.length === 2);
    assert.deepEqual(batigest.ledger.map((e) => e.bytes), [16, 16]);
  }, { leavesEmpty: true });
});
