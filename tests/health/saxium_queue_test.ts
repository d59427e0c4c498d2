/**
 * Saxium's queue as `status` and `doctor` judge it (`lib/health/saxium_queue.ts`):
 * how exports held back are counted, with the fewest and smallest requests,
 * and how the status route's capped counts read.
 */

import assert from "node:assert/strict";
import type { PendingExport, ServerStatus } from "../../lib/saxium/client.ts";
import {
  checkSaxiumQueue,
  countNotOffered,
  describeServer,
  type QueueReader,
  serverCount,
} from "../../lib/health/saxium_queue.ts";

function figures(counts: Partial<ServerStatus>): ServerStatus {
  return {
    pending: 0,
    ready: 0,
    downloaded: 0,
    imported: 0,
    errors: 0,
    lastSync: null,
    queueHealth: "healthy",
    ...counts,
  };
}

function item(id: string = crypto.randomUUID()): PendingExport {
  return { id, documentType: "devis_client", documentReference: "DV-1", retryCount: 0 };
}

/** A Saxium whose list offers `offered` exports (at most the limit asked), its status `later`. */
function saxium(offered: PendingExport[], later: ServerStatus) {
  const limits: number[] = [];
  let statusReads = 0;
  const reader: QueueReader = {
    listPending(limit) {
      limits.push(limit);
      return Promise.resolve({ items: offered.slice(0, limit), rejected: [] });
    },
    status() {
      statusReads++;
      return Promise.resolve(later);
    },
  };
  return { reader, limits, statusReads: () => statusReads };
}

Deno.test("nothing ready: nothing held back, and nothing asked", async () => {
  const s = saxium([], figures({}));
  assert.equal(await countNotOffered(s.reader, figures({ pending: 4 })), 0);
  assert.deepEqual(s.limits, []);
});

Deno.test("the real gap: 3 ready, none listed; one export asked for, the status read again", async () => {
  const s = saxium([], figures({ ready: 3 }));
  assert.equal(await countNotOffered(s.reader, figures({ ready: 3 })), 3);
  assert.deepEqual(s.limits, [1]);
  assert.equal(s.statusReads(), 1);
});

Deno.test("Saxium fixed: a ready export listed beside the pending ones, nothing held back", async () => {
  const s = saxium([item(), item(), item()], figures({}));
  assert.equal(await countNotOffered(s.reader, figures({ pending: 2, ready: 1 })), 0);
  assert.deepEqual(s.limits, [3]);
  assert.equal(s.statusReads(), 0);
});

Deno.test("the gap with pending exports listed: the ready ones are held back", async () => {
  const pending = [item(), item()];
  const s = saxium(pending, figures({ pending: 2, ready: 5 }));
  assert.equal(await countNotOffered(s.reader, figures({ pending: 2, ready: 5 })), 5);
  assert.deepEqual(s.limits, [3]);
});

Deno.test("one pending export listed twice (or in two cases) is one: the gap is still seen", async () => {
  const id = crypto.randomUUID();
  const s = saxium([item(id), item(id.toUpperCase())], figures({ pending: 1, ready: 2 }));
  assert.equal(await countNotOffered(s.reader, figures({ pending: 1, ready: 2 })), 2);
});

Deno.test("the ready exports taken by an agent between the two reads: nothing held back", async () => {
  const s = saxium([], figures({ imported: 3 }));
  assert.equal(await countNotOffered(s.reader, figures({ ready: 3 })), 0);
});

Deno.test("50 pending (a capped count): a list of 51 would prove nothing, nothing is said", async () => {
  const s = saxium([], figures({}));
  assert.equal(await countNotOffered(s.reader, figures({ pending: 50, ready: 2 })), undefined);
  assert.deepEqual(s.limits, []);
});

Deno.test("a count of the status route at its cap reads « 50 ou plus »", () => {
  assert.deepEqual([0, 1, 49, 50].map(serverCount), ["0", "1", "49", "50 ou plus"]);
  assert.equal(
    describeServer({ server: figures({ pending: 3, ready: 50, imported: 50, errors: 12 }) }),
    "joignable ; 53 ou plus en attente, 50 ou plus importés, 12 en erreur, file saine",
  );
  assert.equal(
    describeServer({ server: figures({ imported: 1, queueHealth: "warning" }) }),
    "joignable ; 0 en attente, 1 importé, 0 en erreur, file à surveiller",
  );
});

Deno.test("held back: the Saxium line says it and never « file saine »; doctor warns with the fix", () => {
  const queue = { server: figures({ pending: 2, ready: 5 }), notOffered: 5 };
  assert.equal(
    describeServer(queue),
    "joignable ; 7 en attente, dont 5 que Saxium ne propose pas à l'agent, 0 importé, 0 en erreur : " +
      "file bloquée côté Saxium",
  );
  const check = checkSaxiumQueue(queue);
  assert.equal(check.status, "WARNING");
  assert.equal(
    check.detail,
    "Saxium détient 5 exports (statut « ready ») qu'il ne propose pas à l'agent : c'est un défaut de Saxium, pas de l'agent.",
  );
  assert.match(check.fix!, /saxium_side\/README\.md .*« Ce que Saxium doit fournir »\.$/);
});

Deno.test("doctor's queue check: not checked without Saxium, or with its list unreadable", () => {
  assert.equal(checkSaxiumQueue(undefined).status, "WARNING");
  assert.match(
    checkSaxiumQueue(undefined).detail,
    /^non vérifié : Saxium n'a pas répondu à l'agent/,
  );
  const refused = checkSaxiumQueue({ server: { error: "HTTP 401", kind: "auth" } });
  assert.deepEqual([refused.status, refused.detail], ["WARNING", "non vérifié : HTTP 401"]);
  const unreadable = checkSaxiumQueue({
    server: figures({ ready: 2 }),
    listTrouble: "Saxium ne répond pas",
  });
  assert.equal(unreadable.status, "WARNING");
  assert.match(unreadable.detail, /liste des exports en attente est illisible/);
  const fine = checkSaxiumQueue({ server: figures({ pending: 1, ready: 2 }), notOffered: 0 });
  assert.deepEqual([fine.status, fine.detail], [
    "OK",
    "3 en attente, proposés à l'agent ; 0 importé, 0 en erreur",
  ]);
});
