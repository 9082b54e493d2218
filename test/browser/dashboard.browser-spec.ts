import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStatus } from '@app/database';
import type { Page } from 'playwright-core';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  eventually,
} from '../e2e/support/api-fixture';
import {
  type Chromium,
  launchChromium,
  openTab,
  seriousA11yViolations,
  type WatchedPage,
} from './support/chromium';
import { steps } from './support/steps-handler';

/**
 * Screenshots go to the README's docs/screenshots with UPDATE_SCREENSHOTS=1, else to a temporary
 * folder: every run takes them, but only a deliberate one changes the tree.
 */
const SCREENSHOTS =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? join(__dirname, '../../docs/screenshots')
    : join(tmpdir(), 'jobqueue-screenshots');
/** Steps of the watched job, 350 ms each: its 40-89 % stretch lasts about 3 s, time to look. */
const STEPS = 16;

/** Evaluates a JavaScript expression in the page (the tests compile without the DOM's types). */
const inPage = <T = unknown>(page: Page, expression: string) => page.evaluate<T>(expression);

/**
 * The dashboard as its users meet it: the real api (Fastify, guards, the event stream) and a
 * worker in process, in Debian's chromium. Each test opens its own tab, so it signs in afresh;
 * after each, the tab must have logged no error (CSP violations included) and axe-core must find
 * no serious or critical accessibility violation on the page it ended on.
 */
describe('dashboard in a browser', () => {
  let fx: ApiFixture;
  let browser: Chromium;
  let base: string;
  let tab: WatchedPage;
  /** Console errors a test expects (the 404 of another user's job), removed before the check. */
  let expected: RegExp[] = [];

  beforeAll(async () => {
    [fx, browser] = await Promise.all([
      createApiFixture({
        types: [steps],
        // the overview and the workers page tell live workers from silent ones
        overrides: { http: { workerMaxAgeMs: 60_000 } },
      }),
      launchChromium(),
    ]);
    await fx.startWorker();
    const address = fx.app.getHttpServer().address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await fx?.close();
  });

  beforeEach(async () => {
    tab = await openTab(browser);
    expected = [];
  });
  afterEach(async () => {
    const violations = await seriousA11yViolations(tab.page);
    const problems = tab.problems.filter((p) => !expected.some((e) => e.test(p)));
    await tab.page.close();
    expect({ problems, violations }).toEqual({ problems: [], violations: [] });
  });

  async function signIn(sub: string, roles: string[] = []): Promise<Page> {
    const { page } = tab;
    await page.goto(`${base}/dashboard`);
    await page.getByLabel('Access token (JWT)').fill(fx.token(sub, roles));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(`Signed in as ${sub}`).waitFor();
    return page;
  }

  /** Waits for the page whose main heading is `title` (pages load after the route changes). */
  const pageTitled = (page: Page, title: string) =>
    page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
  /** axe-core on a page the test passes through (afterEach checks only the page it ends on). */
  const expectAccessible = async (page: Page) =>
    expect(await seriousA11yViolations(page)).toEqual([]);
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  it('serves the page with a strict Content-Security-Policy and no inline script but the import map', async () => {
    const res = await fetch(`${base}/dashboard`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const page = await res.text();
    expect(page.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toEqual(['<script type="importmap">']);
    await tab.page.goto(`${base}/dashboard`);
    await tab.page.getByLabel('Access token (JWT)').waitFor();
  });

  it('refuses a token the api does not accept and stays on the sign-in form', async () => {
    expected = [/401 \(Unauthorized\) \(http:\/\/127\.0\.0\.1:\d+\/api\/v1\/me\)$/];
    const { page } = tab;
    await page.goto(`${base}/dashboard`);
    await page.getByLabel('Access token (JWT)').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toContain('refused this token');
    expect(await inPage<number>(page, 'sessionStorage.length')).toBe(0);
  });

  it('a user submits a job from the form and watches its progress bar and logs update live until it completes', async () => {
    const page = await signIn('alice');
    // a reload would lose this: everything below must arrive without one
    await inPage(page, 'window.stayed = true');
    await page.getByRole('link', { name: 'Submit a job' }).click();
    await page.getByLabel('Job type').selectOption('steps');
    await eventually(
      () => page.locator('#job-type-description').innerText(),
      (text) => text.includes('number of steps'),
    );
    // the api's refusal comes back naming the field (the browser logs the 400)
    expected = [/400 \(Bad Request\) \(http:\/\/127\.0\.0\.1:\d+\/api\/v1\/jobs\)$/];
    await page.getByLabel('steps (required)').fill('0');
    await page.getByRole('button', { name: 'Submit' }).click();
    await eventually(
      () => page.getByRole('alert').innerText(),
      (text) => text.includes('payload.steps'),
    );
    await page.getByLabel('steps (required)').fill(String(STEPS));
    await page.getByLabel('intervalMs').fill('350');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.getByRole('heading', { name: /^Job / }).waitFor();
    const id = /#\/jobs\/(.+)$/.exec(page.url())![1];
    expect((await fx.jobs.getById(id)).payload).toEqual({ steps: STEPS, intervalMs: 350 });

    const progress = page.getByTestId('progress-text');
    // midway (and long enough for the screenshot): the bar and the time left move on their own
    await eventually(
      () => progress.innerText(),
      (t) => /^[4-8]\d%, about .+ left$/.test(t),
    );
    const seenMidway = await page.locator('#job-progress').getAttribute('value');
    await eventually(
      () => page.locator('.logs li').count(),
      (n) => n >= 2,
    );
    const linesMidway = await page.locator('.logs li').count();
    expect(await page.getByTestId('job-status').innerText()).toBe('processing');
    await shot(page, 'job');

    await page.getByTestId('job-status').getByText('completed').waitFor({ timeout: 20_000 });
    await expect(progress.innerText()).resolves.toBe('100%');
    expect(Number(seenMidway)).toBeLessThan(100);
    expect(linesMidway).toBeLessThan(STEPS);
    // each line once: the stream's log so far and the live lines do not overlap
    const steps = await page
      .locator('.logs li', { hasText: new RegExp(`step \\d+ of ${STEPS}`) })
      .allInnerTexts();
    expect(steps).toHaveLength(STEPS);
    expect(steps.at(-1)).toContain(`step ${STEPS} of ${STEPS}`);
    expect(JSON.parse(await page.getByTestId('job-result').innerText())).toEqual({ steps: STEPS });
    expect(await inPage<boolean>(page, 'window.stayed')).toBe(true);
  });

  it('a user cancels a running job from its page', async () => {
    const [job] = await fx.submit('alice', [
      { jobType: 'steps', payload: { steps: 200, intervalMs: 100 } },
    ]);
    await fx.waitFor(job.id, (j) => j.status === JobStatus.Processing);
    const page = await signIn('alice');
    await page.goto(`${base}/dashboard#/jobs/${job.id}`);
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByTestId('job-status').getByText('cancelled').waitFor();
    expect((await fx.jobs.getById(job.id)).status).toBe(JobStatus.Cancelled);
    await expect(page.getByRole('button', { name: 'Retry job' }).isVisible()).resolves.toBe(true);
  });

  it("lists the user's own jobs with the api's filters, and another user's job is not found", async () => {
    const [own] = await fx.submit('alice', [{ jobType: 'echo', payload: { message: 'mine' } }]);
    const [other] = await fx.submit('bob', [{ jobType: 'echo', payload: { message: 'secret' } }]);
    // the browser logs the api's 404s for bob's job and its event stream
    expected = [
      new RegExp(`404 \\(Not Found\\) \\(http://[^)]+/api/v1/jobs/${other.id}(/events)?\\)$`),
    ];
    await fx.waitFor(own.id, (j) => j.status === JobStatus.Completed);
    const page = await signIn('alice');
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.locator(`tr[data-job-id="${own.id}"]`).waitFor();
    expect(await page.locator(`tr[data-job-id="${other.id}"]`).count()).toBe(0);
    await expect(page.getByRole('columnheader', { name: 'User' }).count()).resolves.toBe(0);

    await page.getByLabel('Payload contains (JSON object)').fill('{"message":"mine"}');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await eventually(
      () => page.locator('tbody tr').count(),
      (n) => n === 1,
    );
    expect(page.url()).toContain('payload=');
    await page.getByRole('link', { name: 'Clear' }).click();
    await page.getByLabel('Created from').fill('2099-01-01T00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No job matches these filters.').waitFor();
    expect(page.url()).toContain('createdFrom=2099-01-01T');
    await page.getByRole('link', { name: 'Clear' }).click();
    await page.getByRole('checkbox', { name: 'cancelled' }).check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await eventually(
      () => page.locator('tbody .badge').allInnerTexts(),
      (t) => t.length > 0 && t.every((s) => s === 'cancelled'),
    );
    await page.getByRole('link', { name: 'Clear' }).click();
    await page.locator(`tr[data-job-id="${own.id}"]`).waitFor();
    await shot(page, 'jobs');
    await expectAccessible(page);

    // paged by cursor: a job a page, and the next page holds another one
    await page.goto(`${base}/dashboard#/jobs?limit=1`);
    const row = page.locator('tbody tr');
    await eventually(
      () => row.count(),
      (n) => n === 1,
    );
    const first = await row.getAttribute('data-job-id');
    await page.getByRole('link', { name: 'Next page' }).click();
    await eventually(
      () => row.getAttribute('data-job-id'),
      (id) => id !== null && id !== first,
    );
    await page.getByRole('link', { name: 'First page' }).waitFor();

    await page.goto(`${base}/dashboard#/jobs/${other.id}`);
    await pageTitled(page, 'Not found');
    await expect(page.getByText('secret').count()).resolves.toBe(0);
  });

  it("an admin sees every user's jobs, the overview with its charts and the workers", async () => {
    const page = await signIn('root', ['admin']);
    await pageTitled(page, 'Overview');
    await page.locator('.chart canvas').first().waitFor();
    expect(await page.locator('.chart canvas').count()).toBe(2);
    const liveWorkers = page
      .locator('.cards div', { has: page.getByRole('link', { name: 'Live workers' }) })
      .locator('dd');
    await eventually(
      () => liveWorkers.innerText(),
      (text) => text === '1',
    );
    const completed = page.locator('.cards .card-completed dd');
    expect(Number(await completed.innerText())).toBeGreaterThanOrEqual(2);
    const byType = page.locator('section[aria-labelledby="types-title"]');
    await expect(byType.getByRole('rowheader', { name: 'steps' }).count()).resolves.toBe(1);
    await shot(page, 'overview');
    await expectAccessible(page);
    // pause and resume a type from the overview: the api's state follows the buttons
    await page.getByRole('button', { name: 'Pause steps' }).click();
    await page.getByRole('button', { name: 'Resume steps' }).waitFor();
    const paused = await fx
      .http()
      .get('/api/v1/job-types')
      .set(bearer(fx.token('root', 'admin')));
    expect(body<{ data: { name: string; paused: boolean }[] }>(paused).data).toContainEqual(
      expect.objectContaining({ name: 'steps', paused: true }),
    );
    await page.getByRole('button', { name: 'Resume steps' }).click();
    await page.getByRole('button', { name: 'Pause steps' }).waitFor();

    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('columnheader', { name: 'User' }).waitFor();
    // the header renders before the list's request answers: wait for its rows
    await page.locator('tbody tr td:nth-child(5)').first().waitFor();
    const users = new Set(await page.locator('tbody tr td:nth-child(5)').allInnerTexts());
    expect([...users].sort()).toEqual(expect.arrayContaining(['alice', 'bob']));

    await page.getByRole('link', { name: 'Workers' }).click();
    await page.locator('tbody tr', { hasText: 'live' }).first().waitFor();
    await expect(page.locator('tbody tr', { hasText: 'silent' }).count()).resolves.toBe(0);
  });

  it('an admin re-drives a dead job from the dead-letter page, and it runs to completion', async () => {
    const [job] = await fx.submit('alice', [
      { jobType: 'echo', payload: { message: 'doomed once', failAttempts: 1 }, maxRetries: 0 },
    ]);
    await fx.waitFor(job.id, (j) => j.status === JobStatus.Failed && j.nextRetryAt === null);
    const page = await signIn('root', ['admin']);
    await page.getByRole('link', { name: 'Dead letters' }).click();
    const row = page.locator(`tr[data-job-id="${job.id}"]`);
    await row.waitFor();
    await shot(page, 'dlq');
    await page.getByLabel(`Select job ${job.id}`).check();
    await page.getByRole('button', { name: 'Re-drive selected (1)' }).click();
    await row.waitFor({ state: 'detached' });
    const done = await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed);
    expect(done.results).toEqual({ echoed: 'doomed once', attempt: 2 });
  });

  it('a viewer reads the admin pages and is offered no control that changes anything', async () => {
    const [job] = await fx.submit('alice', [
      { jobType: 'steps', payload: { steps: 100, intervalMs: 100 } },
    ]);
    const page = await signIn('auditor', ['viewer']);
    await pageTitled(page, 'Overview');
    await expect(page.getByRole('link', { name: 'Submit a job' }).count()).resolves.toBe(0);
    await page
      .locator('section[aria-labelledby="type-states-title"]')
      .getByRole('rowheader', { name: 'steps' })
      .waitFor();
    await expect(page.getByRole('button', { name: /Pause|Resume/ }).count()).resolves.toBe(0);
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await pageTitled(page, 'Dead letters');
    await expect(page.getByRole('button', { name: /Re-drive/ }).count()).resolves.toBe(0);
    await page.goto(`${base}/dashboard#/jobs/${job.id}`);
    await page.getByTestId('job-status').waitFor();
    await expect(page.getByRole('button', { name: /Cancel|Retry/ }).count()).resolves.toBe(0);
    await page.goto(`${base}/dashboard#/submit`);
    await pageTitled(page, 'Not found');
    await fx.jobs.cancel(job.id);
  });

  it('works from the keyboard: the first Tab reaches the skip link, which moves focus to the page; a new page focuses its heading', async () => {
    const page = await signIn('alice');
    await page.reload();
    await pageTitled(page, 'Jobs');
    const focused = () =>
      inPage<string>(
        page,
        'document.activeElement.id || document.activeElement.textContent.trim()',
      );
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await focused()).toBe('main');
    await page.keyboard.press('Tab');
    expect(
      await inPage<boolean>(
        page,
        "document.getElementById('main').contains(document.activeElement)",
      ),
    ).toBe(true);
    await page.getByRole('link', { name: 'Submit a job' }).focus();
    await page.keyboard.press('Enter');
    await pageTitled(page, 'Submit a job');
    expect(await focused()).toBe('Submit a job');
  });

  it('reads on a phone: one column, no sideways scrolling, and logging out forgets the token', async () => {
    await fx.submit('alice', [{ jobType: 'echo', payload: { message: 'on the go' } }]);
    const page = await signIn('alice');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.locator('tbody tr').first().waitFor();
    const overflow = await inPage<number>(
      page,
      'document.documentElement.scrollWidth - window.innerWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, 'phone-jobs');
    // the table scrolls sideways inside its own region, which the keyboard can reach
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Access token (JWT)').waitFor();
    expect(await inPage<number>(page, 'sessionStorage.length')).toBe(0);
  });
});
