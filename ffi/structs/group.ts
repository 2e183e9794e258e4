// struct group (grp.h), LP64: gr_name, gr_passwd, gr_gid, gr_mem. Read only.
export const C_TYPE = "struct group";
export const SIZE = 32;
export const OFFSETS = { gr_name: 0, gr_passwd: 8, gr_gid: 16, gr_mem: 24 } as const;
