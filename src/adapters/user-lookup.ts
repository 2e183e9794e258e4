// The users and groups scripts run as: names (or numeric ids) to ids, as the host's C library resolves them
// (NSS: /etc/passwd, LDAP, sssd...). The Linux implementation is src/adapters/linux/nss-users.ts.

export interface Ids {
  uid: number;
  gid: number;
}

/** `user` and an optional `group`: the ids to run as (the user's primary group without one); null when either is unknown. */
export type UserLookup = (user: string, group: string | null) => Ids | null;
