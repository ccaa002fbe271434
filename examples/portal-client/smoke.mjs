// Runs the compiled client (dist/, from `tsc -p tsconfig.build.json`) against a real demo server:
// starts `liaison serve --demo` on a free port and a fresh SQLite file, signs in as Peter Robinson
// with the token the server prints, and exercises every operation. Exits non-zero on any failure.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { LiaisonRequestError, PortalClient, describeRelationships } from "./dist/index.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const binary = process.env.LIAISON_BIN ?? resolve(here, "../../target/debug/liaison");
const PETER = "Peter Robinson (partner admin, GSI Tech)";

const freePort = () =>
  new Promise((done, fail) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
    probe.on("error", fail);
  });

/** Starts the demo server and resolves with its GraphQL URL and Peter's printed token. */
async function startServer(dir) {
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("LIAISON_")));
  env.LIAISON_DATABASE_URL = `sqlite://${join(dir, "portal.db")}?mode=rwc`;
  env.LIAISON_LISTEN = `127.0.0.1:${port}`;
  env.LIAISON_LOG = "warn";
  const child = spawn(binary, ["serve", "--demo"], { env, stdio: ["ignore", "pipe", "inherit"] });
  const token = await new Promise((done, fail) => {
    let printed = "";
    const timer = setTimeout(() => fail(new Error(`no token for ${PETER} in 60 s; printed:\n${printed}`)), 60_000);
    child.on("exit", (code) => fail(new Error(`liaison exited (${code}); printed:\n${printed}`)));
    child.stdout.on("data", (chunk) => {
      printed += chunk;
      const lines = printed.split("\n");
      const at = lines.findIndex((line) => line.trim() === PETER);
      const header = at >= 0 ? lines[at + 1]?.trim() : undefined;
      if (header?.startsWith("Authorization: Bearer ") && lines.length > at + 2) {
        clearTimeout(timer);
        done(header.slice("Authorization: Bearer ".length));
      }
    });
  });
  const base = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    const ready = await fetch(`${base}/readyz`).catch(() => null);
    if (ready?.ok) break;
    assert.ok(tries < 300, "the server never became ready");
    await new Promise((wait) => setTimeout(wait, 100));
  }
  return { child, url: `${base}/graphql`, token };
}

const dir = mkdtempSync(join(tmpdir(), "liaison-portal-client-"));
const server = await startServer(dir);
try {
  const peter = new PortalClient(server.url, server.token);

  const accounts = await peter.myAccounts();
  const abc = accounts.find((a) => a.name === "ABC Corp");
  const gsi = accounts.find((a) => a.name === "GSI Tech");
  assert.ok(abc && gsi, `Peter sees ABC Corp and GSI Tech: ${JSON.stringify(accounts)}`);

  const customer = await peter.account(abc.id);
  assert.ok(customer, "ABC Corp reads");
  assert.deepEqual(describeRelationships(customer), ["Customer of GSI Tech (REVERSE)"]);
  const partner = await peter.account(gsi.id);
  assert.ok(partner, "GSI Tech reads");
  assert.deepEqual(describeRelationships(partner), ["Partner of ABC Corp (FORWARD)"]);

  const opened = await peter.openCase(abc.id, "Portal client: VPN certificate expired", 2);
  assert.equal(opened.state, "NEW");
  assert.equal(opened.partner?.name, "GSI Tech");

  const mine = await peter.allMyCases(1);
  assert.equal(mine.length, 3, `three cases, one page at a time: ${JSON.stringify(mine)}`);
  assert.equal(mine[0]?.number, opened.number, "newest first");

  const why = await peter.explain(opened.id);
  assert.ok(why, "the new case is visible");
  // The role reads `sn_customerservice.partner_admin` as a string, `PARTNER_ADMIN` as an enum value.
  assert.equal(why.lines.length, 1, why.lines.join("\n"));
  assert.match(
    why.lines[0],
    /^PARTNER_RELATIONSHIP \((sn_customerservice\.partner_admin|PARTNER_ADMIN)\): Partner of ABC Corp \(Partner Account, DERIVED\)$/,
  );

  await assert.rejects(peter.openCase(abc.id, "", 2), (error) => {
    assert.ok(error instanceof LiaisonRequestError);
    assert.equal(error.code, "BAD_USER_INPUT");
    return true;
  });
  console.log(`portal client: ok against ${server.url} (accounts, relationships, open, paging, explanation, errors)`);
} finally {
  server.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
