import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';

/** GETs `path` (again when it changes or on `reload()`); `data` keeps the last answer meanwhile. */
export function useApi(path) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const load = useCallback(async () => {
    if (!path) return;
    try {
      const data = await api(path);
      setState({ data, error: null, loading: false });
    } catch (error) {
      setState((s) => ({ data: s.data, error, loading: false }));
    }
  }, [path]);
  useEffect(() => {
    setState((s) => ({ ...s, loading: true }));
    void load();
  }, [load]);
  return { ...state, reload: load, setData: (f) => setState((s) => ({ ...s, data: f(s.data) })) };
}
