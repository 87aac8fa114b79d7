/**
 * The drill's incident reports in a real browser: Debian's Chromium (installed by .ci/run), driven
 * by playwright-core with the system executable (no browser download). The page must render with no
 * console error and no network request, show one cell per slot with the incident's outcomes, and
 * name the error in a failed cell's title. The 1280×800 screenshots stay in the test's temp folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { runCli } from './helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
// as root in a sandbox-less container, with nothing reaching out to the network on its own
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const available = fs.existsSync(CHROMIUM);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-ops-report-browser-'));
const reports = path.join(root, 'reports');
let browser: Browser | undefined;

beforeAll(async () => {
  if (!available) return;
  const r = await runCli(['drill', '--json', '--report', reports], { cwd: root });
  expect(r.exitCode).toBe(0);
  expect(r.json.reports.map((f: string) => path.basename(f))).toEqual([
    'drill-before.html',
    'drill-before.md',
    'drill-after.html',
    'drill-after.md',
  ]);
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

afterAll(async () => {
  await browser?.close();
  // the screenshots are the artefacts: the folder stays, the rest goes
  if (available) process.stdout.write(`report screenshots kept in ${root}\n`);
});

/** Open a report; collect console errors, page errors and every request but the page's own. */
async function open(file: string, colorScheme: 'light' | 'dark' = 'light') {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 800 }, colorScheme });
  const page: Page = await context.newPage();
  const url = pathToFileURL(file).href;
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors, requests, close: () => context.close() };
}

describe.runIf(available)('the drill reports in Chromium', () => {
  it("act 1: no console error, no request, one cell per slot, the outage's slots failed", async () => {
    const { page, errors, requests, close } = await open(path.join(reports, 'drill-before.html'));
    try {
      const cells = await page.$$eval('svg.timeline rect.cell', (rects) =>
        rects.map((r) => ({
          job: r.getAttribute('data-job'),
          slot: r.getAttribute('data-slot')!.slice(11, 16),
          outcome: r.getAttribute('class')!.replace('cell ', ''),
        })),
      );
      // blog-generate */15, thread-factory */30 and gen-stories */20 from the drill's window: 30 slots
      expect(cells).toHaveLength(30);
      expect(cells.filter((c) => c.outcome !== 'served').map((c) => `${c.job} ${c.slot} ${c.outcome}`)).toEqual([
        'blog-generate 14:15 failed',
        'blog-generate 14:30 failed',
        'blog-generate 14:45 failed',
        'thread-factory 14:30 failed',
        'gen-stories 14:20 failed',
        'gen-stories 14:40 failed',
      ]);
      const title = await page.locator('svg.timeline rect.cell.failed').first().locator('title').textContent();
      expect(title).toContain('blog-generate 2026-04-19 14:15Z: failed');
      expect(title).toContain('error: no provider could serve: deepseek-v3: timeout, idle-timeout, 503');

      // what a reader sees first
      await expect(page.locator('h1').textContent()).resolves.toBe('Incident 2026-04-19 14:15Z – 15:00Z (45m)');
      const timeline = page.locator('svg.timeline');
      await expect(timeline.getAttribute('role')).resolves.toBe('img');
      await expect(page.locator('#timeline-title').textContent()).resolves.toContain('Timeline of every slot');
      const box = await timeline.boundingBox();
      expect(box!.width).toBeGreaterThan(800); // laid out, not collapsed

      const shot = path.join(root, 'drill-before-1280x800.png');
      await page.screenshot({ path: shot });
      const png = fs.readFileSync(shot);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.readUInt32BE(16)).toBe(1280);
      expect(png.readUInt32BE(20)).toBe(800);

      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await close();
    }
  });

  it('act 2: the fallback-served slots, the breaker band with its trials, the two alerts; dark mode', async () => {
    const { page, errors, requests, close } = await open(path.join(reports, 'drill-after.html'), 'dark');
    try {
      const degraded = await page.$$eval('svg.timeline rect.cell.degraded', (rects) =>
        rects.map((r) => `${r.getAttribute('data-job')} ${r.getAttribute('data-slot')!.slice(11, 16)}`),
      );
      expect(degraded).toEqual([
        'blog-generate 14:15',
        'blog-generate 14:30',
        'blog-generate 14:45',
        'thread-factory 14:30',
        'gen-stories 14:20',
        'gen-stories 14:40',
      ]);
      await expect(page.locator('svg.timeline rect.cell').count()).resolves.toBe(30);
      await expect(page.locator('svg.timeline rect.band.open').count()).resolves.toBe(1);
      await expect(page.locator('svg.timeline line.trial').count()).resolves.toBe(4);
      await expect(page.locator('svg.timeline path.alert').count()).resolves.toBe(2);
      // prefers-color-scheme: dark gives a dark page
      const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      expect(background).toBe('rgb(20, 24, 29)');
      await page.screenshot({ path: path.join(root, 'drill-after-dark-1280x800.png') });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await close();
    }
  });
});

if (!available)
  describe('the drill reports in Chromium', () => {
    it.skip(`skipped: no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium package)`, () => {});
  });
