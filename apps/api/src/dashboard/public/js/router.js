// Routes live in the URL's hash (#/jobs/<id>), so the api serves one page and every view has
// an address that can be bookmarked or shared.
import { useEffect, useState } from 'preact/hooks';

export function parseRoute(hash) {
  const [path, query] = hash.replace(/^#/, '').split('?');
  return { path: path || '/', params: new URLSearchParams(query ?? '') };
}

export function useRoute() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return parseRoute(hash);
}

export const navigate = (path) => {
  location.hash = path;
};
