/**
 * Helpers for the supervisor console's tests (issue #4): a certificate for a console user (the P4.3
 * gate lets only certified people decide), the app on a real port, and a headless Chromium with a
 * fresh profile per browser (playwright-core driving Debian's /usr/bin/chromium; nothing downloaded).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, BrowserContext, Page } from 'playwright-core';
import { signOffRun, startOrResumeRun, submitRun } from '../../db/training';
import type { Db } from '../../db/knex';
import { findTrainingModule, TASK_KIND_MODULES } from '../../training/content';
import type { Harness } from './harness';

/** Gives the user a valid certificate for the module that `taskKind` needs (as a signed-off run would). */
export async function certifyFor(db: Db, userId: number, taskKind: string): Promise<void> {
  await certifyModule(db, userId, TASK_KIND_MODULES[taskKind]);
}

/** A valid certificate for one training module (e.g. a warehouse station's, STATION_MODULES). */
export async function certifyModule(db: Db, userId: number, moduleId: string): Promise<void> {
  const module = findTrainingModule(moduleId);
  if (!module) return;
  const now = new Date();
  const { run } = await startOrResumeRun(db, { userId, module, now });
  await submitRun(db, run.id, now);
  await signOffRun(db, run.id, { by: 'test-trainer', comment: null, now, expiresAt: new Date(now.getTime() + 365 * 86_400_000) });
}

export const CHROMIUM = process.env.BOXFLOW_CHROMIUM ?? '/usr/bin/chromium';

export async function serve(h: Harness): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(h.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** One browser = one Chromium with its own profile directory (cookies never shared). */
export async function openBrowser(locale = 'en-US'): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'boxflow-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the real /login form. */
export async function signInPage(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('form[action="/login"] button[type="submit"]')]);
}
