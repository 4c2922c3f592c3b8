/** Who is calling: the token's `sub` and `roles`. Role `admin` may do everything. */
export interface User {
  sub: string;
  roles: string[];
}

export type AuthVariables = { user: User };

export const isAdmin = (user: User) => user.roles.includes('admin');
