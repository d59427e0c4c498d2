import assert from "node:assert/strict";
import type { CommandRunner } from "../../lib/base/command_runner.ts";
import { EVENT_SOURCE, eventCreateArgs, EVENTS, writeEvent } from "../../lib/windows/event_log.ts";

Deno.test("eventcreate arguments: Application log, the agent's source, level and fixed ID", () => {
  assert.deepEqual(eventCreateArgs("exportErrors", "2 exports en erreur\r\nvoir Errors"), [
    "/L",
    "APPLICATION",
    "/SO",
    "SaxiumBatigestAgent",
    "/T",
    "ERROR",
    "/ID",
    "300",
    "/D",
    "2 exports en erreur voir Errors",
  ]);
  assert.deepEqual(eventCreateArgs("recovered", "ok").slice(4, 8), [
    "/T",
    "INFORMATION",
    "/ID",
    "100",
  ]);
  assert.deepEqual(eventCreateArgs("batigestInactive", "x").slice(4, 8), [
    "/T",
    "WARNING",
    "/ID",
    "200",
  ]);
  assert.equal(eventCreateArgs("serverUnavailable", "x")[7], "400");
  assert.equal(eventCreateArgs("localTrouble", "x")[7], "500");
  assert.equal(eventCreateArgs("exportErrors", "é".repeat(5000))[9].length, 1000);
  assert.equal(EVENT_SOURCE.includes(" "), false, "a source without spaces needs no quoting");
});

Deno.test("event IDs are distinct and within what eventcreate accepts (1 to 1000)", () => {
  const ids = Object.values(EVENTS).map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.ok(id >= 1 && id <= 1000);
});

Deno.test("writeEvent: runs eventcreate on Windows, a no-op elsewhere, never throws", async () => {
  const calls: [string, string[]][] = [];
  const ok: CommandRunner = (command, args) => {
    calls.push([command, args]);
    return Promise.resolve({
      code: 0,
      stdout: "SUCCÈS : un événement de type 'ERROR' a été créé",
      stderr: "",
    });
  };
  assert.deepEqual(
    await writeEvent({ name: "exportErrors", message: "m" }, { runner: ok, os: "windows" }),
    { written: true },
  );
  assert.equal(calls[0][0], "eventcreate.exe");
  const linux = await writeEvent({ name: "exportErrors", message: "m" }, {
    runner: ok,
    os: "linux",
  });
  assert.equal(linux.written, false);
  assert.equal(calls.length, 1, "nothing run off Windows");
  const denied: CommandRunner = () =>
    Promise.resolve({ code: 1, stdout: "", stderr: "ERREUR : Accès refusé." });
  const refused = await writeEvent({ name: "recovered", message: "m" }, {
    runner: denied,
    os: "windows",
  });
  assert.equal(refused.written, false);
  assert.match(!refused.written ? refused.reason : "", /accès refusé/);
  const missing: CommandRunner = () => Promise.reject(new Deno.errors.NotFound("x"));
  const gone = await writeEvent({ name: "recovered", message: "m" }, {
    runner: missing,
    os: "windows",
  });
  assert.match(!gone.written ? gone.reason : "", /introuvable/);
  const notAllowed: CommandRunner = () =>
    Promise.reject(new Deno.errors.NotCapable("Requires run access"));
  const capable = await writeEvent({ name: "recovered", message: "m" }, {
    runner: notAllowed,
    os: "windows",
  });
  assert.doesNotMatch(!capable.written ? capable.reason : "", /Requires/);
});
