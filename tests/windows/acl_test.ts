/**
 * The work folder's lock-down as data: the exact `icacls` calls, and the
 * reading of `icacls` output in English and French (as Windows prints it,
 * accents possibly decoded from the OEM code page), for doctor's warning.
 */

import assert from "node:assert/strict";
import type { CommandResult } from "../../lib/base/command_runner.ts";
import {
  AclError,
  checkTokenFileAcl,
  grantsRead,
  ICACLS,
  isSystemOrAdministrators,
  lockDownArgs,
  lockDownWorkFolder,
  parseIcacls,
  probeTokenFileAcl,
  readersBesidesAdmins,
} from "../../lib/windows/acl.ts";
import { permissionFlags } from "../../lib/executable/permissions.ts";

const FILE = "C:\\SaxiumBatigest\\agent.json";

const ENGLISH_INHERITED = [
  `${FILE} NT AUTHORITY\\SYSTEM:(I)(F)`,
  "                             BUILTIN\\Administrators:(I)(F)",
  "                             BUILTIN\\Users:(I)(RX)",
  "                             NT AUTHORITY\\Authenticated Users:(I)(M)",
  "",
  "Successfully processed 1 files; Failed processing 0 files",
  "",
].join("\r\n");

const FRENCH_INHERITED = [
  `${FILE} AUTORITE NT\\Système:(I)(F)`,
  "                             BUILTIN\\Administrateurs:(I)(F)",
  "                             BUILTIN\\Utilisateurs:(I)(RX)",
  "                             AUTORITE NT\\Utilisateurs authentifiés:(I)(M)",
  "",
  "1 fichiers correctement traités ; échec du traitement de 0 fichiers",
  "",
].join("\r\n");

/** As `icacls` prints after install-task: French, "Système" in CP850 read as UTF-8. */
const FRENCH_LOCKED = [
  `${FILE} AUTORITE NT\\Syst\uFFFDme:(I)(F)`,
  "                             BUILTIN\\Administrateurs:(I)(F)",
  "",
  "1 fichiers correctement traités ; échec du traitement de 0 fichiers",
].join("\r\n");

function recorder(results: Partial<CommandResult>[] = []) {
  const calls: { command: string; args: string[] }[] = [];
  const runner = (command: string, args: string[]): Promise<CommandResult> => {
    calls.push({ command, args });
    return Promise.resolve({ code: 0, stdout: "", stderr: "", ...results[calls.length - 1] });
  };
  return { calls, runner };
}

Deno.test("acl: the lock-down is two icacls calls, by SID, in order", async () => {
  assert.deepEqual(lockDownArgs("C:\\SaxiumBatigest"), [
    ["C:\\SaxiumBatigest", "/reset", "/T", "/C", "/Q"],
    [
      "C:\\SaxiumBatigest",
      "/inheritance:r",
      "/grant:r",
      "*S-1-5-18:(OI)(CI)F",
      "*S-1-5-32-544:(OI)(CI)F",
      "/C",
      "/Q",
    ],
  ]);
  const { calls, runner } = recorder();
  await lockDownWorkFolder(runner, { workDir: "D:\\Agent Saxium" });
  assert.deepEqual(
    calls,
    lockDownArgs("D:\\Agent Saxium").map((args) => ({ command: ICACLS, args })),
  );
});

Deno.test("acl: a failed icacls is one French line, and stops there", async () => {
  const { calls, runner } = recorder([{
    code: 5,
    stderr: "C:\\SaxiumBatigest: Accès refusé.\r\n",
  }]);
  await assert.rejects(
    () => lockDownWorkFolder(runner, { workDir: "C:\\SaxiumBatigest" }),
    (error: unknown) => {
      assert.ok(error instanceof AclError);
      assert.match(
        error.message,
        /^Impossible de restreindre l'accès au dossier de travail C:\\SaxiumBatigest \(icacls, code 5 : C:\\SaxiumBatigest: Accès refusé\.\) : lancez la commande dans une invite ouverte en administrateur\.$/,
      );
      return true;
    },
  );
  assert.equal(calls.length, 1);
});

Deno.test("acl: icacls.exe is in the executable's permissions", () => {
  const flags = permissionFlags({
    apiUrl: "https://s.fr",
    workDir: "C:\\W",
    batigestImportDir: "C:\\I",
  });
  assert.ok(flags.includes("--allow-run=schtasks.exe,icacls.exe,eventcreate.exe"), flags.join(" "));
});

Deno.test("acl: icacls output parsed in English and French", () => {
  assert.deepEqual(parseIcacls({ stdout: ENGLISH_INHERITED, path: FILE }), [
    { principal: "NT AUTHORITY\\SYSTEM", rights: ["I", "F"] },
    { principal: "BUILTIN\\Administrators", rights: ["I", "F"] },
    { principal: "BUILTIN\\Users", rights: ["I", "RX"] },
    { principal: "NT AUTHORITY\\Authenticated Users", rights: ["I", "M"] },
  ]);
  const french = parseIcacls({ stdout: FRENCH_INHERITED, path: FILE });
  assert.deepEqual(french.map((e) => e.principal), [
    "AUTORITE NT\\Système",
    "BUILTIN\\Administrateurs",
    "BUILTIN\\Utilisateurs",
    "AUTORITE NT\\Utilisateurs authentifiés",
  ]);
  assert.deepEqual(readersBesidesAdmins(french), [
    "BUILTIN\\Utilisateurs",
    "AUTORITE NT\\Utilisateurs authentifiés",
  ]);
  assert.deepEqual(readersBesidesAdmins(parseIcacls({ stdout: FRENCH_LOCKED, path: FILE })), []);
  // A path with spaces, and the folder's own ACL with inheritance flags.
  const folder = "C:\\Program Files\\Saxium";
  assert.deepEqual(
    parseIcacls({
      stdout: `${folder} *S-1-5-18:(OI)(CI)(F)\r\n  *S-1-5-21-1-2-3-1001:(OI)(CI)(IO)(M)\r\n`,
      path: folder,
    }),
    [
      { principal: "*S-1-5-18", rights: ["OI", "CI", "F"] },
      { principal: "*S-1-5-21-1-2-3-1001", rights: ["OI", "CI", "IO", "M"] },
    ],
  );
});

Deno.test("acl: who counts as SYSTEM or Administrators, and what grants read", () => {
  for (
    const name of [
      "NT AUTHORITY\\SYSTEM",
      "AUTORITE NT\\Système",
      "AUTORITE NT\\Syst\uFFFDme",
      "*S-1-5-18",
      "BUILTIN\\Administrators",
      "BUILTIN\\Administrateurs",
      "*S-1-5-32-544",
    ]
  ) {
    assert.ok(isSystemOrAdministrators(name), name);
  }
  for (
    const name of [
      "BUILTIN\\Users",
      "Tout le monde",
      "Everyone",
      "PC-COMPTA\\marie",
      "*S-1-5-32-545",
    ]
  ) {
    assert.ok(!isSystemOrAdministrators(name), name);
  }
  const entry = (...rights: string[]) => ({ principal: "X", rights });
  assert.ok(grantsRead(entry("I", "RX")));
  assert.ok(grantsRead(entry("R")));
  assert.ok(grantsRead(entry("RD,REA,RA")));
  assert.ok(!grantsRead(entry("W")));
  assert.ok(!grantsRead(entry("N")));
  assert.ok(!grantsRead(entry("DENY", "R")));
  assert.ok(!grantsRead(entry("OI", "CI", "IO", "F")), "inherit-only: not for the object itself");
});

Deno.test("acl: doctor's verdict on agent.json", async () => {
  const exposed = checkTokenFileAcl({
    path: FILE,
    holdsToken: true,
    icaclsOutput: FRENCH_INHERITED,
  });
  assert.equal(exposed.status, "WARNING");
  assert.equal(
    exposed.detail,
    "agent.json, qui contient le jeton, est lisible par d'autres comptes (BUILTIN\\Utilisateurs, AUTORITE NT\\Utilisateurs authentifiés)",
  );
  assert.match(exposed.fix!, /install-task .* administrateur/);
  assert.equal(
    checkTokenFileAcl({ path: FILE, holdsToken: true, icaclsOutput: FRENCH_LOCKED }).status,
    "OK",
  );
  assert.equal(checkTokenFileAcl({ path: FILE, holdsToken: false }).status, "OK");

  const { calls, runner } = recorder([{ stdout: ENGLISH_INHERITED }]);
  const facts = await probeTokenFileAcl(runner, { path: FILE, holdsToken: true });
  assert.deepEqual(calls, [{ command: "icacls.exe", args: [FILE] }]);
  assert.equal(checkTokenFileAcl(facts).status, "WARNING");
  const missing = await probeTokenFileAcl(
    () => Promise.reject(new Deno.errors.NotFound("icacls.exe")),
    { path: FILE, holdsToken: true },
  );
  assert.match(checkTokenFileAcl(missing).detail, /non vérifiables : icacls.exe introuvable/);
});
