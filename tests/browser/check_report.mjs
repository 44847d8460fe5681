// Opens an HTML report in Debian's headless Chromium, fails on any console or page error,
// checks the parts a reader needs are there and drawn, and takes a full-page screenshot.
//
//   node check_report.mjs [--replay] REPORT.html SCREENSHOT.png
//
// --replay: a `pro2assist report` page (a timeline and a message table, no sweep charts).
// Prints one JSON line: {"rows", "charts", "timelines", "markers", "bars", "errors", ...};
// exits 1 when the page has errors or misses a part, 2 on bad usage or a browser failure.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const replay = argv[0] === '--replay';
const [html, png] = replay ? argv.slice(1) : argv;
if (!html || !png) {
  console.error('usage: node check_report.mjs [--replay] REPORT.html SCREENSHOT.png');
  process.exit(2);
}
if (!existsSync(html)) {
  console.error(`check_report: ${html} does not exist`);
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

// A fresh profile each run, removed afterwards: no state leaks between runs.
const profile = mkdtempSync(join(tmpdir(), 'p2a-chromium-'));
let context;
const errors = [];
const external = [];
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page: ${err.message}`));
  // The report must be self-contained: anything but the file itself is a failure.
  const url = pathToFileURL(resolve(html)).href;
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url || u.startsWith('data:')) return route.continue();
    external.push(u);
    return route.abort();
  });
  await page.goto(url, { waitUntil: 'load' });

  const found = await page.evaluate(() => {
    const drawn = (el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    };
    const svgs = (sel) => [...document.querySelectorAll(sel)].filter(drawn);
    return {
      title: document.title,
      rows: document.querySelectorAll('table.summary tbody tr').length,
      charts: svgs('svg.sweep-chart').length,
      timelines: svgs('svg.timeline').length,
      bars: document.querySelectorAll('svg.timeline .gt-bar').length,
      markers: document.querySelectorAll('svg.timeline .msg').length,
      lines: document.querySelectorAll('svg.sweep-chart .series').length,
      // Text cut off by its SVG's edge or by a scrolling container the reader would have to
      // scroll: the chart does not fit where it is shown.
      clipped: [...document.querySelectorAll('svg.timeline, svg.sweep-chart')].filter((svg) => {
        const box = svg.getBoundingClientRect();
        let left = box.left, right = box.right;
        for (let el = svg.parentElement; el; el = el.parentElement) {
          if (getComputedStyle(el).overflowX === 'visible') continue;
          const r = el.getBoundingClientRect();
          left = Math.max(left, r.left + el.clientLeft);
          right = Math.min(right, r.left + el.clientLeft + el.clientWidth);
        }
        return [...svg.querySelectorAll('text')].some((t) => {
          const r = t.getBoundingClientRect();
          return r.width > 0 && (r.left < left - 1 || r.right > right + 1);
        });
      }).length,
    };
  });

  // The interactive bits work: a legend button hides a reasoner's lines, a click on a
  // track fades the others.
  let toggles = true;
  const button = page.locator('.legend button[data-reasoner]').first();
  if (await button.count()) {
    const name = await button.getAttribute('data-reasoner');
    await button.click();
    const hidden = await page.evaluate((n) => [...document.querySelectorAll(
      `#sweep .series[data-reasoner="${CSS.escape(n)}"]`)].every((s) => getComputedStyle(s).display === 'none'), name);
    await button.click();
    toggles = hidden;
  }
  const track = page.locator('svg.timeline .track[data-track]').first();
  if (await track.count() && await page.locator('svg.timeline').first().locator('.track').count() > 1) {
    await track.dispatchEvent('click');
    const dimmed = await page.evaluate(() =>
      document.querySelector('svg.timeline').querySelectorAll('.track.dim').length);
    await track.dispatchEvent('click');
    toggles = toggles && dimmed > 0;
  }

  await page.screenshot({ path: png, fullPage: true });
  const summary = { ...found, toggles, external, errors };
  console.log(JSON.stringify(summary));
  const parts = replay ? found.timelines === 1 && found.charts === 0
                       : found.rows >= 1 && found.charts >= 1 && found.timelines >= 1;
  const ok = errors.length === 0 && external.length === 0 && parts && found.clipped === 0 &&
             toggles;
  process.exitCode = ok ? 0 : 1;
} catch (e) {
  console.log(JSON.stringify({ errors: [...errors, `browser: ${e.message}`] }));
  process.exitCode = 2;
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
