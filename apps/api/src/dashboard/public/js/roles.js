// What the dashboard shows follows the api's rules (apps/api/src/auth/role.ts); the api still
// decides every request.
export const seesAll = (me) => me.roles.includes('admin') || me.roles.includes('viewer');
export const readOnly = (me) => me.roles.includes('viewer') && !me.roles.includes('admin');
