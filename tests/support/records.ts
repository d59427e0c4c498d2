/** The export the journal tests begin with: a quote, one XML file not named yet. */

/** Its id (a UUID, in the one form the agent keeps). */
export const EXPORT_ID = "0b4f3c1e-9d2a-4f6b-8c3d-2e1f0a9b8c7d";

/** What `Journal.begin` is given for it. */
export const NEW_EXPORT = {
  id: EXPORT_ID,
  reference: "DV-1",
  documentType: "devis_client",
  baseName: "DV-1",
  files: [{ format: "xml" as const, importName: "" }],
};
