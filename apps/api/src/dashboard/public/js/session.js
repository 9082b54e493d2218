// The token lives in sessionStorage: it survives a reload, not the closing of the tab.
const KEY = 'jobqueue.dashboard.token';

export const session = {
  token: () => sessionStorage.getItem(KEY),
  save: (token) => sessionStorage.setItem(KEY, token),
  clear: () => sessionStorage.removeItem(KEY),
};
