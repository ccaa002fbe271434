// The browser check: Debian's headless Chromium, driven by playwright-core, against a fresh demo server.
//
// 1. GraphiQL renders with every request on this machine (any other host is blocked, recorded and fails the check).
// 2. A query typed into GraphiQL runs with a demo principal picked in the page's picker, and its data shows.
// 3. The header JSON `liaison serve --demo` prints pastes into the Headers tab as it is and works.
// 4. A page served on another port (another origin) POSTs a query with a bearer token: CORS lets the data through.
//
// Usage: node check.mjs   (LIAISON_BIN, default ../../target/debug/liaison; CHROMIUM, default /usr/bin/chromium)

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const binary = process.env.LIAISON_BIN || path.join(root, "target/debug/liaison");
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const PETER = "Peter Robinson (partner admin, GSI Tech)";
const ALICE = "Alice Brown (customer admin, ABC Corp)";

const scratch = mkdtempSync(path.join(tmpdir(), "liaison-browser-check-"));
const cleanups = [() => rmSync(scratch, { recursive: true, force: true })];
const passed = [];

function fail(message) {
  throw new Error(message);
}

function check(name, condition, detail) {
  if (!condition) fail(`${name}: ${detail}`);
  passed.push(name);
  console.log(`ok - ${name}`);
}

/** Starts `liaison serve --demo` on a free port and a fresh SQLite file; resolves with its URL and printed headers. */
function startServer() {
  if (!existsSync(binary)) fail(`${binary} is missing: run \`cargo build\` first`);
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME || scratch,
    LIAISON_MODE: "development",
    LIAISON_DATABASE_URL: `sqlite://${path.join(scratch, "liaison.db")}?mode=rwc`,
    LIAISON_LISTEN: "127.0.0.1:0",
    LIAISON_LOG: "warn",
  };
  const child = spawn(binary, ["serve", "--demo"], { env, stdio: ["ignore", "pipe", "inherit"] });
  cleanups.push(() => child.kill("SIGTERM"));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server printed no demo tokens within 60 s")), 60_000);
    child.on("exit", (code) => reject(new Error(`the server exited early (code ${code})`)));
    let base;
    let label;
    const headers = new Map();
    createInterface({ input: child.stdout }).on("line", (line) => {
      const serving = line.match(/serving GraphQL at (http:\/\/[^/\s]+)\/graphql/);
      if (serving) base = serving[1];
      const trimmed = line.trim();
      if (trimmed.startsWith("{")) {
        headers.set(label, trimmed);
      } else if (line.startsWith("  ") && !trimmed.startsWith("Authorization:")) {
        label = trimmed;
      }
      if (base && headers.size === 8) {
        clearTimeout(timer);
        resolve({ base, headers });
      }
    });
  });
}

async function waitReady(base) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  fail("the server never became ready");
}

/** A page on a second port (another origin) whose script POSTs a query with a bearer token to the API. */
function startPortal(api, authorization) {
  const page = `<!doctype html><meta charset="utf-8"><title>portal</title><pre id="result">pending</pre>
<script>
fetch(${JSON.stringify(`${api}/graphql`)}, {
  method: "POST",
  headers: { "Content-Type": "application/json", "Authorization": ${JSON.stringify(authorization)} },
  body: JSON.stringify({ query: "{ viewer { subject } }" }),
})
  .then((response) => response.text().then((text) => ({ status: response.status, statements: response.headers.get("x-sql-statements"), text })))
  .then((outcome) => { document.getElementById("result").textContent = JSON.stringify(outcome); })
  .catch((error) => { document.getElementById("result").textContent = "blocked: " + error; })
  .finally(() => document.getElementById("result").setAttribute("data-done", "1"));
</script>`;
  const server = http.createServer((_, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(page);
  });
  cleanups.push(() => server.close());
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

/** The text of the CodeMirror editor inside `selector` (GraphiQL 3 keeps the instance on the element). */
function editorValue(page, selector) {
  return page.evaluate((s) => {
    const element = document.querySelector(`${s} .CodeMirror`);
    return element ? element.CodeMirror.getValue() : null;
  }, selector);
}

/** The header editor's text (the visible one of the two editor tools). */
function headerEditorValue(page) {
  return page.evaluate(() => {
    for (const element of document.querySelectorAll(".graphiql-editor-tool .CodeMirror")) {
      if (element.closest(".hidden") === null) return element.CodeMirror.getValue();
    }
    return null;
  });
}

/** Replaces the content of a CodeMirror editor the way a user pastes: click, select all, insert. */
async function replaceText(page, locator, text) {
  await locator.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
  // GraphiQL reads the operation name from the editor after a short debounce, as a user's pause allows.
  await page.waitForTimeout(500);
}

/** Clicks the run button and returns the result pane's JSON once it has changed from `previous`. */
async function run(page, previous) {
  await page.click(".graphiql-execute-button");
  await page.waitForFunction(
    (before) => {
      const element = document.querySelector(".graphiql-response .CodeMirror");
      const value = element && element.CodeMirror.getValue();
      return value && value !== before && value.trim().startsWith("{");
    },
    previous,
    { timeout: 15_000 },
  );
  return JSON.parse(await editorValue(page, ".graphiql-response"));
}

async function main() {
  const { base, headers } = await startServer();
  await waitReady(base);
  const portal = await startPortal(base, JSON.parse(headers.get(PETER)).Authorization);

  const context = await chromium.launchPersistentContext(path.join(scratch, "profile"), {
    executablePath: browserPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  cleanups.push(() => context.close());
  const external = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (LOOPBACK.has(url.hostname) || url.protocol === "data:") return route.continue();
    external.push(route.request().url());
    return route.abort("blockedbyclient");
  });
  const page = context.pages()[0] || (await context.newPage());
  page.on("websocket", (ws) => {
    if (!LOOPBACK.has(new URL(ws.url()).hostname)) external.push(ws.url());
  });
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(String(error)));

  // 1. GraphiQL renders from the server alone.
  await page.goto(`${base}/graphql`, { waitUntil: "load" });
  await page.waitForSelector(".graphiql-container .graphiql-query-editor .CodeMirror", { timeout: 20_000 });
  check("GraphiQL renders its editor", await page.isVisible(".graphiql-execute-button"), "no run button");
  const options = await page.$$eval("#liaison-preset option", (os) => os.map((o) => o.textContent));
  check("the picker offers every demo principal", options.length === 8 && options.includes(PETER), JSON.stringify(options));

  // 2. Pick Peter, type a query, run it: his partner cases show in the result pane.
  await page.selectOption("#liaison-preset", { label: PETER });
  const peterHeaders = await headerEditorValue(page);
  check("picking a principal fills the Headers tab", peterHeaders === headers.get(PETER), `headers: ${peterHeaders}`);
  const query = "query PetersCases {\n  viewer {\n    subject\n    cases(first: 20) {\n      totalCount\n      nodes { number account { name } }\n    }\n  }\n}";
  await replaceText(page, page.locator(".graphiql-query-editor .CodeMirror"), query);
  const typed = await editorValue(page, ".graphiql-query-editor");
  check("the query is typed into the editor", typed === query, `editor holds: ${typed}`);
  const before = await editorValue(page, ".graphiql-response");
  const peter = await run(page, before);
  const cases = peter?.data?.viewer?.cases;
  check(
    "running it shows Peter's cases in the result pane",
    !peter.errors && peter.data.viewer.subject === "peter.robinson" && cases.totalCount > 0 &&
      cases.nodes.some((c) => c.account.name === "ABC Corp"),
    JSON.stringify(peter),
  );

  // 3. The printed JSON header line pastes into the Headers tab as it is.
  const headerEditor = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror");
  await replaceText(page, headerEditor, headers.get(ALICE));
  await replaceText(page, page.locator(".graphiql-query-editor .CodeMirror"), "{ viewer { subject roles } }");
  const alice = await run(page, await editorValue(page, ".graphiql-response"));
  check("the printed JSON header works when pasted", alice?.data?.viewer?.subject === "alice.brown", JSON.stringify(alice));
  await page.screenshot({ path: path.join(tmpdir(), "liaison-browser-check-graphiql.png") });

  // 4. Another origin: the portal page's cross-origin POST (with a preflight) gets the data.
  await page.goto(`${portal}/`, { waitUntil: "load" });
  await page.waitForSelector("#result[data-done]", { timeout: 15_000 });
  const outcome = await page.textContent("#result");
  let parsed = null;
  try {
    parsed = JSON.parse(outcome);
  } catch {
    // reported below
  }
  const body = parsed && JSON.parse(parsed.text);
  check(
    `a page on ${portal} reads the API's answer (CORS)`,
    parsed?.status === 200 && body?.data?.viewer?.subject === "peter.robinson" && parsed.statements !== null,
    outcome,
  );

  check("no request left this machine", external.length === 0, `external requests: ${external.join(", ")}`);
  check("the pages raised no script error", pageErrors.length === 0, pageErrors.join("\n"));
}

let failed = 0;
try {
  await main();
} catch (error) {
  failed = 1;
  console.error(`not ok - ${error.message}`);
} finally {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // best effort
    }
  }
}
console.log(`browser-check: ${passed.length} passed, ${failed} failed`);
process.exit(failed);
