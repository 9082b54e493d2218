import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { api, tokenRefused } from './api.js';
import { useRoute } from './router.js';
import { readOnly, seesAll } from './roles.js';
import { session } from './session.js';
import { Layout } from './parts/layout.js';
import { DlqPage } from './pages/dlq.js';
import { JobPage } from './pages/job.js';
import { JobsPage } from './pages/jobs.js';
import { LoginPage } from './pages/login.js';
import { NotFoundPage } from './pages/not-found.js';
import { OverviewPage } from './pages/overview.js';
import { SubmitPage } from './pages/submit.js';
import { WorkersPage } from './pages/workers.js';

const JOB_PATH = /^\/jobs\/([^/]+)$/;

/** The page for a route, or the not-found page when the caller's role has no such page. */
function page(me, { path, params }) {
  const all = seesAll(me);
  if (path === '/')
    return all
      ? html`<${OverviewPage} me=${me} />`
      : html`<${JobsPage} me=${me} params=${params} />`;
  if (path === '/overview' && all) return html`<${OverviewPage} me=${me} />`;
  if (path === '/jobs') return html`<${JobsPage} me=${me} params=${params} />`;
  const job = JOB_PATH.exec(path);
  if (job) return html`<${JobPage} key=${job[1]} me=${me} id=${decodeURIComponent(job[1])} />`;
  if (path === '/submit' && !readOnly(me)) return html`<${SubmitPage} params=${params} />`;
  if (path === '/dlq' && all) return html`<${DlqPage} me=${me} params=${params} />`;
  if (path === '/workers' && all) return html`<${WorkersPage} />`;
  return html`<${NotFoundPage} />`;
}

/**
 * After a route change (or signing in), focus the new page's heading so a screen reader announces
 * it. Not when the page has just loaded: keyboard users then start at the top, at the skip link.
 */
function useFocusOnRoute(key) {
  const previous = useRef(null);
  useEffect(() => {
    const heading = document.querySelector('[data-page-title]');
    document.title = `${heading?.textContent ?? 'Dashboard'} · Job queue`;
    const justLoaded = previous.current === null || previous.current === 'checking';
    previous.current = key;
    if (justLoaded || !heading || document.activeElement === heading) return;
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }, [key]);
}

function App() {
  const [me, setMe] = useState(null);
  const [message, setMessage] = useState(null);
  const [checking, setChecking] = useState(Boolean(session.token()));
  const route = useRoute();
  const logout = (why = null) => {
    session.clear();
    setMe(null);
    setMessage(why);
  };
  const login = async (token) => {
    session.save(token);
    try {
      const answer = await api('/api/v1/me');
      setMe(answer.data);
      setMessage(null);
      return null;
    } catch (error) {
      session.clear();
      return error.status === 401
        ? 'The api refused this token (invalid or expired).'
        : error.message;
    }
  };
  useEffect(() => {
    if (session.token())
      void login(session.token()).then((error) => {
        setMessage(error);
        setChecking(false);
      });
    const refused = () =>
      logout('Your session ended: the api no longer accepts the token. Sign in again.');
    tokenRefused.addEventListener('refused', refused);
    return () => tokenRefused.removeEventListener('refused', refused);
  }, []);
  useFocusOnRoute(me ? route.path : checking ? 'checking' : 'login');
  if (checking && !me) return html`<p class="loading">Checking your token…</p>`;
  if (!me) return html`<${LoginPage} onLogin=${login} message=${message} />`;
  return html`<${Layout} me=${me} path=${route.path} onLogout=${() => logout()}>${page(me, route)}</${Layout}>`;
}

const root = document.getElementById('app');
// the static "Loading…" line goes: Preact renders beside what it did not create
root.replaceChildren();
render(html`<${App} />`, root);
