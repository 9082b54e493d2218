import { useState } from 'preact/hooks';
import { html } from '../html.js';

/** The user pastes a JWT; the app checks it with GET /api/v1/me before showing anything. */
export function LoginPage({ onLogin, message }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(await onLogin(token.trim()));
    setBusy(false);
  };
  return html`
    <main id="main" class="login">
      <h1>Job queue dashboard</h1>
      <form onSubmit=${submit} aria-describedby="login-help">
        <label for="token">Access token (JWT)</label>
        <textarea
          id="token"
          name="token"
          rows="4"
          required
          autocomplete="off"
          spellcheck="false"
          value=${token}
          onInput=${(e) => setToken(e.currentTarget.value)}
        ></textarea>
        <p id="login-help" class="help">
          Paste the bearer token you call the api with. For a local installation,${' '}
          <code>npm run -s token -- --sub alice</code> prints one (add${' '}
          <code>--role admin</code> or <code>--role viewer</code> for those roles). It is kept in
          this tab only (sessionStorage) until you log out or close the tab.
        </p>
        ${error || message ? html`<p class="error" role="alert">${error ?? message}</p>` : ''}
        <button type="submit" disabled=${busy}>Sign in</button>
      </form>
    </main>
  `;
}
