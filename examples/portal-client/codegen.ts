// Generates src/generated/ (typed documents and result types) from the server's schema and the
// portal's operations; `npm run generate` runs it, CI then type-checks src/ against the output.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: ["src/operations/*.graphql"],
  ignoreNoDocuments: false,
  // Relative imports with `.js`, so the compiled output runs as Node ES modules (npm run smoke).
  emitLegacyCommonJSImports: false,
  generates: {
    "src/generated/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        // Plain strings on the wire, sent with fetch: no GraphQL runtime in the bundle.
        documentMode: "string",
        // Fail generation when the schema grows a scalar this client has not mapped.
        strictScalars: true,
        scalars: { ID: { input: "string", output: "string" }, Date: "string", DateTime: "string", JSON: "unknown" },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
