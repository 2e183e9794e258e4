// struct passwd (pwd.h), LP64: pw_name, pw_passwd, pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell. Read only.
export const C_TYPE = "struct passwd";
export const SIZE = 48;
export const OFFSETS = { pw_name: 0, pw_passwd: 8, pw_uid: 16, pw_gid: 20, pw_gecos: 24, pw_dir: 32, pw_shell: 40 } as const;
