// examples/dashboard end to end: the NestJS server on the lab daemon, driven in headless Chromium
// (Debian's /usr/bin/chromium through playwright-core; nothing is downloaded). Start a job from
// the form and see its lines and exit code, kill a long one, see a container made by `ctr` come
// and go without a reload, take a screenshot, and check the page logged no errors.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { INestApplication } from "@nestjs/common";
import { chromium, type Browser, type Page } from "playwright-core";
import { lastValueFrom } from "rxjs";
import { startDashboard } from "../../examples/dashboard/server.js";
import { BUSYBOX, labAddress, labClient, type LabClient } from "../support/lab.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
/** Where the screenshot goes: $RXC_TEST_OUTPUT, else build/test-output. */
const outputDir = process.env["RXC_TEST_OUTPUT"] ?? join(repoRoot, "build", "test-output");
/** Chromium for a closed network: no sandbox (root, containers), no background or update traffic. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];
const WAIT = { timeout: 10_000 };

let lab: LabClient;
let app: INestApplication | undefined;
let url: string;
let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  lab = await labClient("dash", { image: true });
  ({ app, url } = await startDashboard({
    address: labAddress(),
    namespace: lab.client.namespace,
    port: 0,
    logger: ["error", "warn"],
  }));
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => pageErrors.push(`page: ${e.message}`));
  page.on("requestfailed", (r) => {
    // ERR_ABORTED: the page closed a job's EventSource itself after `exited` (so it won't reconnect)
    if (r.failure()?.errorText !== "net::ERR_ABORTED")
      pageErrors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  await page.goto(url);
});

after(async () => {
  await browser?.close();
  await app?.close();
  await lab.dispose(); // fails on a leaked container
});

function ctr(...args: string[]): string {
  const bin = process.env["RXC_CONTAINERD_BIN"] ? join(process.env["RXC_CONTAINERD_BIN"], "ctr") : "ctr";
  return execFileSync(bin, ["-a", labAddress(), "-n", lab.client.namespace, ...args], { encoding: "utf8" });
}

async function startJob(command: string): Promise<string> {
  await page.fill("#command", command);
  const before = await page.locator(".job-card").count();
  await page.click("button[type=submit]");
  await page.locator(".job-card").nth(before).waitFor(WAIT);
  const id = await page.locator(".job-card").first().getAttribute("data-id");
  assert.ok(id, "the new job card carries its id");
  return id;
}

test("dashboard in Chromium: a job's lines and exit code, kill, ctr's container live, no console errors", async () => {
  assert.equal(await page.inputValue("#image"), BUSYBOX);
  await page.locator("#empty").waitFor({ state: "visible", ...WAIT });

  // A job from the form: its lines stream in, then its exit code.
  const id = await startJob("echo hello; echo wörld >&2; sleep 0.3; echo bye; exit 3");
  const card = page.locator(`[data-id="${id}"].job-card`);
  await page.locator(`.job-card[data-id="${id}"][data-exit-code]`).waitFor(WAIT);
  assert.equal(await card.getAttribute("data-exit-code"), "3");
  assert.equal(await card.locator(".status").textContent(), "exit code 3");
  // stdout and stderr are separate pipes: each in order, not ordered with each other
  assert.equal((await card.locator("pre.output .stdout").allTextContents()).join(""), "hello\nbye\n");
  assert.equal((await card.locator("pre.output .stderr").allTextContents()).join(""), "wörld\n");

  // A long one, killed from its button.
  const long = await startJob("echo waiting; exec sleep 600");
  const longCard = page.locator(`[data-id="${long}"].job-card`);
  await longCard.locator("pre.output", { hasText: "waiting" }).waitFor(WAIT);
  await page.locator(`#containers tr[data-id="${long}"] td`, { hasText: "running" }).waitFor(WAIT);
  await longCard.locator("button.kill").click();
  await page.locator(`.job-card[data-id="${long}"][data-exit-code]`).waitFor(WAIT);
  assert.equal(await longCard.getAttribute("data-exit-code"), "137", "SIGKILL");
  assert.equal(await longCard.locator(".status").textContent(), "exit code 137");
  await page.locator(`#containers tr[data-id="${long}"]`).waitFor({ state: "detached", ...WAIT });

  // A container created from outside, by ctr, appears without a reload, and goes.
  const url0 = page.url();
  ctr("containers", "create", BUSYBOX, "from-ctr", "true");
  await page.locator('#containers tr[data-id="from-ctr"]').waitFor(WAIT);
  mkdirSync(outputDir, { recursive: true });
  await page.screenshot({ path: join(outputDir, "dashboard.png"), fullPage: true });
  ctr("containers", "rm", "from-ctr");
  await page.locator('#containers tr[data-id="from-ctr"]').waitFor({ state: "detached", ...WAIT });
  assert.equal(page.url(), url0, "no navigation happened");
  assert.equal(await page.locator("#containers tbody tr").count(), 0);

  assert.deepEqual(pageErrors, [], "the page logged no errors");
  const left = await lastValueFrom(lab.client.services.containers.list$({}));
  assert.deepEqual(
    left.containers.map((c) => c.id),
    [],
    "jobs removed their containers",
  );
});
