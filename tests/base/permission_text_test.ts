/** Deno's permission refusals reach a person in French, never as developer advice. */

import assert from "node:assert/strict";
import {
  frenchPermissionText,
  permissionRefusalLine,
  refusedAccess,
} from "../../lib/base/permission_text.ts";

const ENGLISH = /Requires|--allow-|run again/;

Deno.test("permission text: each kind of refusal in French", () => {
  const cases: [string, string][] = [
    [
      'Requires read access to "D:\\Batigest\\Import", run again with the --allow-read flag',
      "lecture de « D:\\Batigest\\Import » refusée par les permissions de l'exécutable",
    ],
    [
      'Requires write access to "/srv/x", run again with the --allow-write flag',
      "écriture dans « /srv/x » refusée par les permissions de l'exécutable",
    ],
    [
      'Requires net access to "autre.fr:443", run again with the --allow-net flag',
      "connexion à « autre.fr:443 » refusée par les permissions de l'exécutable",
    ],
    [
      'Requires env access to "HOME", run again with the --allow-env flag',
      "lecture de la variable « HOME » refusée par les permissions de l'exécutable",
    ],
    [
      'Requires run access to "cmd.exe", run again with the --allow-run flag',
      "exécution de « cmd.exe » refusée par les permissions de l'exécutable",
    ],
    [
      "Requires read access to <CWD>, specify the required permissions to ignore this error",
      "lecture de « <CWD> » refusée par les permissions de l'exécutable",
    ],
  ];
  for (const [english, french] of cases) {
    assert.equal(frenchPermissionText(english), french);
    assert.equal(refusedAccess(english), french);
  }
});

Deno.test("permission text: inside a longer line, and other text untouched", () => {
  const line = frenchPermissionText(
    'Connexion à Saxium impossible (autre.fr : Requires net access to "autre.fr:443", run again with the --allow-net flag) : vérifiez apiUrl',
  );
  assert.equal(
    line,
    "Connexion à Saxium impossible (autre.fr : connexion à « autre.fr:443 » refusée par les permissions de l'exécutable) : vérifiez apiUrl",
  );
  const task = '<Arguments>run --allow-net=saxium.fr:443 "C:\\main.ts" sync --once</Arguments>';
  assert.equal(frenchPermissionText(task), task, "the task's command line under deno run stays");
  assert.equal(frenchPermissionText("Requête terminée"), "Requête terminée");
});

Deno.test("permission text: the top-level line for NotCapable says what to do", () => {
  const line = permissionRefusalLine(
    new Deno.errors.NotCapable(
      'Requires write access to "/x", run again with the --allow-write flag',
    ),
  );
  assert.doesNotMatch(line, ENGLISH);
  assert.match(line, /^Accès refusé \(écriture dans « \/x » refusée/);
  assert.match(line, /Construire l'exécutable d'un site/);
});
