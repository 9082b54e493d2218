/** What a caller may do. Every valid token carries `user`; `admin` comes from the roles claim. */
export enum Role {
  /** Creates jobs and sees and acts on its own jobs only. */
  User = 'user',
  /** Sees and acts on every job, and reads the queue statistics. */
  Admin = 'admin',
}

/** The authenticated caller, as the JWT strategy puts it on the request. */
export interface AuthUser {
  /** The token's `sub`: jobs.user_id of the jobs this caller creates. */
  id: string;
  roles: Role[];
}

export const isAdmin = (user: AuthUser): boolean => user.roles.includes(Role.Admin);
