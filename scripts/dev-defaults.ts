/** The HS256 secret `npm start` gives both apps when JWT_SECRET is unset; `npm run token` signs with it too. */
export const DEV_JWT_SECRET = 'dev-only-secret-change-me-0123456789abcdef';
