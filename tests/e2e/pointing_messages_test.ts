/**
 * Messages that point the right way, as the administrator reads them from
 * the real agent: an `apiUrl` ending in `/api`, a token pasted with its line
 * break, and Saxium in maintenance (nothing to do: the next pass resumes).
 *
 * @module
 */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { Retryable } from "../../lib/saxium/errors.ts";
import { transportFailure } from "../../lib/saxium/answers.ts";
import { runAgent, TEST_TOKEN, withWorld } from "../support/agent_process.ts";

const MAINTENANCE =
  "<!DOCTYPE html><html><head><title>Saxium - Maintenance en cours</title></head>" +
  "<body><h1>Saxium est en maintenance</h1><p>Revenez dans une heure.</p></body></html>";

Deno.test("apiUrl ending in /api: one line saying to remove it, before any request", async () => {
  await withWorld({}, async (world) => {
    const run = await runAgent(world, ["sync", "--once"], {
      env: { SAXIUM_API_URL: `${world.saxium.url}/api` },
    });
    assert.equal(run.code, 2);
    assert.equal(world.saxium.requests.length, 0);
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `l'agent ajoute lui-même « /api/batigest/… » ; retirez « /api » de la fin et indiquez ${
          world.saxium.url.replace(/[.]/g, "\\.")
        }\\.`,
      ),
    );
    assert.doesNotMatch(run.stderr, /api\/api|injoignable/);
  });
});

Deno.test("a token pasted on two lines in agent.json: said so, with how to fix it, never shown", async () => {
  await withWorld({}, async (world) => {
    await Deno.mkdir(world.workDir, { recursive: true });
    const half = TEST_TOKEN.length >> 1;
    await Deno.writeTextFile(
      nodePath.join(world.workDir, "agent.json"),
      `{\r\n  "token": "${TEST_TOKEN.slice(0, half)}\r\n${TEST_TOKEN.slice(half)}"\r\n}\r\n`,
    );
    const run = await runAgent(world, ["sync", "--once"], { env: { SAXIUM_TOKEN: "" } });
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /agent\.json n'est pas un JSON valide, ligne 2, colonne 12 : le jeton \(« token »\) est coupé sur deux lignes : un retour à la ligne s'est glissé en le collant ; remettez-le tout entier sur une seule ligne, entre ses deux guillemets\./,
    );
    assert.doesNotMatch(run.stderr, /guillemet ouvert/);
    assert.ok(!run.stderr.includes(TEST_TOKEN.slice(0, half)), "no part of the token shown");
    assert.equal(world.saxium.requests.length, 0);
  });
});

for (
  const [what, headers] of [
    ["a maintenance page", { "content-type": "text/html; charset=utf-8" }],
    ["a maintenance page with Retry-After", {
      "content-type": "text/html; charset=utf-8",
      "retry-after": "3600",
    }],
  ] as const
) {
  Deno.test(`Saxium in maintenance (503, ${what}): nothing to do, the next pass resumes`, async () => {
    await withWorld({}, async (world) => {
      world.saxium.addFault({
        route: "any",
        fault: { status: 503, body: MAINTENANCE, headers: { ...headers } },
      });
      const run = await runAgent(world, ["sync", "--once"]);
      assert.equal(run.code, 3, run.stdout + run.stderr);
      const end = run.stderr.trim().split("\n").pop() ?? "";
      assert.match(
        end,
        /\[ERROR\] Fin de la synchronisation : 0 synchronisé, 0 en erreur\. Saxium (est indisponible pour le moment|demande d'attendre jusqu'(à|au))/,
      );
      assert.match(
        end,
        /rien à faire : la prochaine passe reprendra d'elle-même( ; si cela dure plus de quelques heures, prévenez l'administrateur de Saxium)?\.$/,
      );
      console.log(end);
      assert.doesNotMatch(
        run.stderr,
        /vérifiez apiUrl|relancez|injoignable ou accès refusé|illisible/,
      );
      if (!("retry-after" in headers)) {
        assert.match(
          end,
          /Saxium est indisponible pour le moment \(HTTP 503 sur GET \/api\/batigest\/exports\/pending, page « Saxium - Maintenance en cours »\), après 5 tentatives/,
        );
      }
    });
  });
}

Deno.test("Saxium refusing connections (stopped, restarting): no « puis relancez », nothing to do if it is maintenance", () => {
  const error = transportFailure(new Error("Connection refused (os error 111)"), {
    signal: new AbortController().signal,
    timeoutMs: 30_000,
    host: "saxium.client.fr:443",
  });
  assert.ok(error instanceof Retryable);
  assert.equal(
    `${error.what} : ${error.todo}.`,
    "Connexion à Saxium impossible (saxium.client.fr:443 : connexion refusée) : si Saxium est en maintenance ou redémarre, rien à faire : la prochaine passe reprendra d'elle-même ; si cela dure, vérifiez apiUrl (hôte et port) et le proxy (HTTPS_PROXY).",
  );
  const other = transportFailure(new Error("dns error: failed to lookup address"), {
    signal: new AbortController().signal,
    timeoutMs: 30_000,
    host: "saxium.client.fr:443",
  });
  assert.ok(other instanceof Retryable);
  assert.doesNotMatch(other.todo, /relancez/);
});
