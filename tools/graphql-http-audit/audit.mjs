// The GraphQL-over-HTTP audit: graphql-http's `auditServer` against a fresh Liaison server, in development
// and in production mode. Fails on any MUST failure ("error") or SHOULD warning ("warn"); notices (MAY) are printed.
//
// Usage: node audit.mjs   (LIAISON_BIN, default ../../target/debug/liaison)
//        node audit.mjs http://127.0.0.1:8080/graphql   (audits a server that is already running, once)

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { auditServer } from "graphql-http";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const binary = process.env.LIAISON_BIN || path.join(root, "target/debug/liaison");

const scratch = mkdtempSync(path.join(tmpdir(), "liaison-graphql-http-audit-"));
const children = [];

function cleanup() {
  for (const child of children) child.kill("SIGTERM");
  rmSync(scratch, { recursive: true, force: true });
}

/** Starts `liaison serve` in `mode` on a free port and a fresh SQLite file; resolves with its endpoint URL. */
function startServer(mode) {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`cargo build\` first`);
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME || scratch,
    LIAISON_MODE: mode,
    LIAISON_DATABASE_URL: `sqlite://${path.join(scratch, `${mode}.db`)}?mode=rwc`,
    LIAISON_LISTEN: "127.0.0.1:0",
    LIAISON_LOG: "warn",
  };
  if (mode === "production") env.LIAISON_JWT_SECRET = "graphql-http-audit-secret-of-enough-length";
  const child = spawn(binary, ["serve"], { env, stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${mode} server did not start within 60 s`)), 60_000);
    child.on("exit", (code) => reject(new Error(`the ${mode} server exited early (code ${code})`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const serving = line.match(/serving GraphQL at (http:\/\/\S+\/graphql)/);
      if (serving) {
        clearTimeout(timer);
        resolve(serving[1]);
      }
    });
  });
}

async function waitReady(url) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(new URL("/readyz", url))).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never became ready`);
}

/** Audits `url`; prints every result and returns the number of MUST failures and SHOULD warnings. */
async function audit(label, url) {
  await waitReady(url);
  const results = await auditServer({ url });
  const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
  for (const result of results) {
    counts[result.status] += 1;
    if (result.status === "ok") continue;
    let body = "";
    try {
      body = (await result.response.clone().text()).slice(0, 300);
    } catch {
      // the body was already read by the audit
    }
    console.log(`${result.status.padEnd(6)} ${result.id} ${result.name}\n       ${result.reason}\n       ${body}`);
  }
  console.log(
    `${label} (${url}): ${results.length} audits, ${counts.ok} ok, ${counts.error} MUST failed, ` +
      `${counts.warn} SHOULD warned, ${counts.notice} MAY noticed`,
  );
  return counts.error + counts.warn;
}

let bad = 0;
try {
  const given = process.argv[2];
  if (given) {
    bad += await audit("given server", given);
  } else {
    for (const mode of ["development", "production"]) {
      bad += await audit(mode, await startServer(mode));
    }
  }
} catch (error) {
  console.error(`graphql-http audit: ${error.stack || error}`);
  bad += 1;
} finally {
  cleanup();
}
if (bad > 0) {
  console.error(`graphql-http audit FAILED: ${bad} MUST failures or SHOULD warnings`);
  process.exit(1);
}
console.log("graphql-http audit passed: 0 MUST failures, 0 SHOULD warnings");
