import type { Role } from '../../db/users';

/** The signed-in person, as routes and templates see them (`req.user`, `res.locals.user`). */
export interface SignedInUser {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  /** Signed in with a generated password: only the account page until it is changed. */
  mustChangePassword?: boolean;
}

/** The current session row, when the request carried a live `bf_session` cookie. */
export interface CurrentSession {
  /** SHA-256 of the cookie token (the database id), never the token itself. */
  id: string;
  userId: number | null;
  csrfToken: string;
  /** When the password was last entered in this session (admin actions need it within 10 minutes). */
  authenticatedAt?: string | null;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by sessionMiddleware when a signed-in, active user's session came with the request. */
      user?: SignedInUser;
      /** Set by sessionMiddleware for any live session (also the anonymous one the login form uses). */
      authSession?: CurrentSession;
    }
  }
}
