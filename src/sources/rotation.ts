// Rotated siblings' names as logrotate and rsyslog make them: `messages-20261101`,
// `messages-2026110112`, `messages.1`, each maybe `.gz`/`.xz`/`.bz2`. The live file's name is
// the stem; the date or number says how old.

export const ROTATION = /^(.*?)(?:[.-](\d{8})(?:\d{2,6})?|\.(\d{1,3}))?(\.gz|\.xz|\.bz2)?$/;

/** The live file's name a rotated sibling's name comes from (`messages-20261101.gz` → `messages`). */
export function rotationStem(name: string): string {
  return ROTATION.exec(name)?.[1] ?? name;
}
