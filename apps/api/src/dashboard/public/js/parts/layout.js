import { html } from '../html.js';
import { seesAll, readOnly } from '../roles.js';
import { Announcer } from './announcer.js';

function links(me) {
  return [
    ...(seesAll(me) ? [['/overview', 'Overview']] : []),
    ['/jobs', 'Jobs'],
    ...(readOnly(me) ? [] : [['/submit', 'Submit a job']]),
    ...(seesAll(me)
      ? [
          ['/dlq', 'Dead letters'],
          ['/workers', 'Workers'],
        ]
      : []),
  ];
}

/** Skip link, banner with the navigation and the caller, the main landmark, the live region. */
export function Layout({ me, path, onLogout, children }) {
  const current = (href) => path === href || (href === '/jobs' && path.startsWith('/jobs/'));
  return html`
    <a class="skip-link" href="#main" onClick=${skipToMain}>Skip to content</a>
    <header class="banner">
      <p class="brand">Job queue</p>
      <nav aria-label="Main">
        <ul>
          ${links(me).map(
            ([href, label]) =>
              html`<li>
                <a href=${`#${href}`} aria-current=${current(href) ? 'page' : undefined}
                  >${label}</a
                >
              </li>`,
          )}
        </ul>
      </nav>
      <div class="who">
        <span>Signed in as <strong>${me.id}</strong> (${me.roles.join(', ')})</span>
        <button type="button" class="secondary" onClick=${onLogout}>Log out</button>
      </div>
    </header>
    <main id="main" tabindex="-1">${children}</main>
    <${Announcer} />
  `;
}

/** The hash holds the route, so the skip link moves focus itself instead of navigating. */
function skipToMain(event) {
  event.preventDefault();
  document.getElementById('main')?.focus();
}
