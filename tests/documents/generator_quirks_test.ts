/**
 * The quirks of Saxium's generator, named (`lib/documents/generator_quirks.ts`):
 * the one warning for text escaped inside CDATA, and the reason of a CSV row
 * cut by line breaks, as a person reads them.
 */

import assert from "node:assert/strict";
import { CdataEscapes, csvLineBreakReason } from "../../lib/documents/generator_quirks.ts";

Deno.test("CDATA text without an escape: nothing to say", () => {
  const escapes = new CdataEscapes();
  escapes.note("Client/Nom", "Dupont & Fils");
  escapes.note("Ligne n°1/Designation", "Vis 6 x 40 < 50 mm, l'unité");
  assert.equal(escapes.warning("DV-1"), undefined);
});

Deno.test("CDATA escapes: numeric ones too, each field and escape once, at most three named", () => {
  const escapes = new CdataEscapes();
  escapes.note("Client/Nom", "L&#39;Atelier &amp; Cie");
  escapes.note("Client/Nom", "&amp;");
  for (const n of [1, 2, 3, 4]) escapes.note(`Ligne n°${n}/Designation`, "A &amp; B");
  assert.equal(
    escapes.warning("DV-7\n(copie)"),
    "DV-7?(copie) : les textes de Client/Nom, Ligne n°1/Designation, Ligne n°2/Designation et 2 " +
      "autres champs contiennent « &#39; » et « &amp; » dans des sections CDATA : Batigest les " +
      "affichera tels quels ; c'est Saxium qui les échappe deux fois, à corriger dans son " +
      "générateur d'exports (le document est déposé tel quel).",
  );
});

Deno.test("a CSV row cut in four, in a column without a name of its own", () => {
  assert.equal(
    csvLineBreakReason({ row: 5, columns: ["Reference", "Designation", "Designation"] }),
    "La ligne 5 du CSV : la référence et la désignation contiennent des retours à la ligne, qui " +
      "coupent la ligne du CSV en 4 morceaux (lignes 5 à 8 du fichier) ; Saxium doit les " +
      "remplacer par un espace, puis ré-exporter le document.",
  );
  assert.match(
    csvLineBreakReason({ row: 2, columns: ["Quantite"] }),
    /: le champ Quantite contient un retour à la ligne/,
  );
});
