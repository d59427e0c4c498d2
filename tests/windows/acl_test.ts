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
  readAccess,
  readersBesidesAdmins,
  restoreAclArgs,
  saveAclArgs,
} from "../../lib/windows/acl.ts";
import { decodeConsoleOutput } from "../../lib/base/console_text.ts";
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

Deno.test("acl: the lock-down saves the ACL, then two icacls calls by SID, in order", async () => {
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
  const backup = "D:\\Agent Saxium\\acl-avant-install-task.txt";
  assert.deepEqual(saveAclArgs("D:\\Agent Saxium", backup), [
    "D:\\Agent Saxium",
    "/save",
    backup,
    "/T",
    "/Q",
  ]);
  // icacls names saved entries from the folder's parent: the restore runs there.
  assert.deepEqual(restoreAclArgs("D:\\Agent Saxium", backup), [
    "D:\\",
    "/restore",
    backup,
    "/C",
    "/Q",
  ]);
  const { calls, runner } = recorder();
  const locked = await lockDownWorkFolder(runner, { workDir: "D:\\Agent Saxium" });
  assert.deepEqual(calls, [
    { command: ICACLS, args: saveAclArgs("D:\\Agent Saxium", backup) },
    ...lockDownArgs("D:\\Agent Saxium").map((args) => ({ command: ICACLS, args })),
  ]);
  await locked.restore();
  assert.deepEqual(calls.at(-1), {
    command: ICACLS,
    args: restoreAclArgs("D:\\Agent Saxium", backup),
  });
});

Deno.test("acl: icacls refusing to save changes nothing: one French line", async () => {
  const denied = Deno.readFileSync(
    new URL("../fixtures/oem/icacls-denied-fr.txt", import.meta.url),
  );
  const { calls, runner } = recorder([{ code: 5, stdout: decodeConsoleOutput(denied) }]);
  await assert.rejects(
    () => lockDownWorkFolder(runner, { workDir: "C:\\SaxiumBatigest" }),
    (error: unknown) => {
      assert.ok(error instanceof AclError);
      assert.match(
        error.message,
        /^Impossible de restreindre l'accès au dossier de travail C:\\SaxiumBatigest \(icacls, code 5 : C:\\SaxiumBatigest: Accès refusé\. 1 fichiers correctement traités ; échec du traitement de 1 fichiers\) : rien n'a été modifié\. Droits administrateur nécessaires : ouvrez une « Invite de commandes \(administrateur\) »/,
      );
      return true;
    },
  );
  assert.equal(calls.length, 1);
});

Deno.test("acl: a lock-down failing half way puts the saved ACL back", async () => {
  const refused = { code: 5, stderr: "Accès refusé." };
  const { calls, runner } = recorder([{}, {}, refused]);
  await assert.rejects(
    () => lockDownWorkFolder(runner, { workDir: "C:\\SaxiumBatigest" }),
    /: ses droits d'origine ont été rétablis, aucune tâche n'a été installée\./,
  );
  assert.deepEqual(calls.map((c) => c.args[1]), ["/save", "/reset", "/inheritance:r", "/restore"]);

  const worse = recorder([{}, refused, refused]);
  await assert.rejects(
    () => lockDownWorkFolder(worse.runner, { workDir: "C:\\SaxiumBatigest" }),
    /: ses droits d'origine n'ont pas pu être tous rétablis, aucune tâche/,
  );
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
  const french = parseIcacls({ stdout: FRENCH_INHERITED, path: FILE })!;
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
  assert.deepEqual(readersBesidesAdmins(parseIcacls({ stdout: FRENCH_LOCKED, path: FILE })!), []);
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

Deno.test("acl: the reader fails closed: a path it cannot match is « cannot verify », never « locked »", () => {
  // icacls named the file by its short 8.3 name: its one entry says Users may read it.
  const long = "C:\\Users\\runneradmin\\AppData\\Local\\Temp\\w\\agent.json";
  const short = [
    "C:\\Users\\RUNNER~1\\AppData\\Local\\Temp\\w\\agent.json BUILTIN\\Users:(I)(RX)",
    "",
    "Successfully processed 1 files; Failed processing 0 files",
  ].join("\r\n");
  assert.equal(parseIcacls({ stdout: short, path: long }), undefined);
  assert.deepEqual(readAccess({ stdout: short, path: long }), { kind: "unverifiable" });
  const verdict = checkTokenFileAcl({ path: long, holdsToken: true, icaclsOutput: short });
  assert.equal(verdict.status, "WARNING");
  assert.match(verdict.detail, /^droits de .*agent\.json non vérifiables : la réponse d'icacls/);
  assert.match(verdict.fix!, /onglet Sécurité/);

  // Nothing, a sibling folder whose name starts the same, an entry of unknown form.
  const sibling = "C:\\SaxiumBatigest2\\agent.json BUILTIN\\Users:(I)(RX)\r\n";
  const odd = `${FILE} NT AUTHORITY\\SYSTEM:(I)(F)\r\n   BUILTIN\\Users lit tout\r\n\r\n`;
  for (
    const [stdout, path] of [["", FILE], ["\r\n", FILE], [sibling, "C:\\SaxiumBatigest"], [
      odd,
      FILE,
    ]]
  ) {
    assert.deepEqual(readAccess({ stdout, path }), { kind: "unverifiable" }, stdout);
  }

  // The same file spelled otherwise (case, slashes, a trailing backslash) is read.
  const folder = "C:\\SaxiumBatigest";
  const echoed = `c:/saxiumbatigest\\ *S-1-5-18:(OI)(CI)(F)\r\n    BUILTIN\\Users:(RX)\r\n`;
  assert.deepEqual(readAccess({ stdout: echoed, path: `${folder}\\` }), {
    kind: "open",
    readers: ["BUILTIN\\Users"],
  });
  assert.deepEqual(readAccess({ stdout: FRENCH_LOCKED, path: FILE }), { kind: "restricted" });
});
