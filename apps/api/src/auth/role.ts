/**
 * What a caller may do. Every valid token carries `user`; `admin` and `viewer` come from the
 * roles claim. Roles add up: a token with both `admin` and `viewer` is an admin.
 */
export enum Role {
  /** Creates jobs and sees and acts on its own jobs only. */
  User = 'user',
  /** Sees and acts on every job, and reads the queue statistics. */
  Admin = 'admin',
  /** Sees everything an admin sees and changes nothing (RolesGuard: READ_ONLY_ROLE). */
  Viewer = 'viewer',
}

/** The authenticated caller, as the JWT strategy puts it on the request. */
export interface AuthUser {
  /** The token's `sub`: jobs.user_id of the jobs this caller creates. */
  id: string;
  roles: Role[];
}

export const isAdmin = (user: AuthUser): boolean => user.roles.includes(Role.Admin);

/** Reads every user's jobs: admins and viewers. */
export const seesAllJobs = (user: AuthUser): boolean =>
  isAdmin(user) || user.roles.includes(Role.Viewer);

/** A viewer that is not also an admin: every request that could change something is refused. */
export const isReadOnly = (user: AuthUser): boolean =>
  user.roles.includes(Role.Viewer) && !isAdmin(user);

const KNOWN_ROLES = new Set<string>(Object.values(Role));

/**
 * The roles a token's claim names: a string (one role, or several separated by spaces or
 * commas) or an array of strings; unknown names are dropped, and every caller is a user.
 */
export function rolesOf(value: unknown): Role[] {
  const names = (Array.isArray(value) ? value : [value])
    .filter((v): v is string => typeof v === 'string')
    .flatMap((v) => v.split(/[\s,]+/));
  const roles = new Set<Role>([Role.User]);
  for (const name of names) if (KNOWN_ROLES.has(name)) roles.add(name as Role);
  return [...roles];
}
