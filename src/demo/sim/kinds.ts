// The node kinds the generator mixes in: clean installs, distractors and failure kinds of the
// catalogue (docs/catalogue.md: failures F1–F40, scenarios S1–S14), with the outcome each one ends in.

export type Outcome = 'succeeded' | 'failed' | 'stalled' | 'looping' | 'running';

export const FAILURE_KINDS = [
  'F3',
  'F4',
  'F5',
  'F6',
  'F8',
  'F9',
  'F10',
  'F13',
  'F13-silent',
  'F15',
  'F16',
  'F18',
  'F19',
  'F20',
  'F22',
  'F24',
  'F26',
  'F27',
  'F28',
  'F29',
  'F31',
  'F32',
  'F33',
  'F34',
  'F35',
  'F36',
  'F37',
  'F38',
  'F39',
  'tftpd-down',
] as const;

export type FailureKind = (typeof FAILURE_KINDS)[number];

export type Kind = 'clean' | 'running' | 'reinstalled' | 'nic-replaced' | FailureKind;

export interface KindInfo {
  outcome: Outcome;
  /** Catalogue ids (S = scenario, F = failure) this kind reproduces. */
  catalogue: string[];
  /** What happens, in a phrase. */
  title: string;
  /** The outcome when the node has no console log (what broke it shows only there): a stall. */
  silent?: Outcome;
}

export const KINDS: Readonly<Record<Kind, KindInfo>> = {
  clean: { outcome: 'succeeded', catalogue: ['S1'], title: 'clean install' },
  running: { outcome: 'running', catalogue: [], title: 'still installing at the reference time' },
  reinstalled: { outcome: 'succeeded', catalogue: ['F27'], title: 'failed (postscript rc), fixed, reinstalled, succeeded' },
  'nic-replaced': { outcome: 'succeeded', catalogue: ['F13'], title: 'stalled with a flaky NIC, NIC replaced (new MAC, same IP), reinstalled, succeeded' },
  F3: { outcome: 'failed', catalogue: ['F3'], title: 'BMC rejected the power request' },
  F4: { outcome: 'stalled', catalogue: ['S11', 'F4'], title: 'powering-on, then no DHCP at all' },
  F5: { outcome: 'failed', catalogue: ['S4', 'F5'], title: 'dhcpd: no free leases (booting MAC unknown, no dynamic range)' },
  F6: { outcome: 'failed', catalogue: ['F6'], title: 'dhcpd: unknown network segment (relay subnet not configured)' },
  F8: { outcome: 'failed', catalogue: ['S12', 'F8'], title: 'MAC unknown: booted genesis, discovery found no node' },
  F9: { outcome: 'stalled', catalogue: ['F9'], title: 'DHCPACK, then no TFTP request' },
  F10: { outcome: 'stalled', catalogue: ['S5', 'F10'], title: 'RRQ xcat/xnba.efi repeated (file missing), no HTTP follow-up' },
  F13: { outcome: 'failed', catalogue: ['S6', 'F13'], title: 'kernel 200, initrd 404' },
  'F13-silent': { outcome: 'stalled', catalogue: ['S6', 'F13'], title: 'kernel fetched, initrd never requested' },
  F15: { outcome: 'failed', catalogue: ['F15'], title: 'kickstart 404' },
  F16: { outcome: 'stalled', catalogue: ['F16'], title: 'kickstart fetched, installer never started %pre' },
  F18: { outcome: 'looping', catalogue: ['F18', 'F29'], title: 'TCP 3002 blocked: no status updates, boot flip never happens, reinstall loop' },
  // The installer's "Partitioning failed" on the console ends the attempt.
  F19: { outcome: 'failed', silent: 'stalled', catalogue: ['F19'], title: 'disk detection failed, partitioning failed' },
  F20: { outcome: 'failed', catalogue: ['S8', 'F20'], title: 'repository metadata 404 (extra repo missing)' },
  F22: { outcome: 'failed', catalogue: ['S3', 'F22'], title: 'httpd 403 on a postscript, %post download failed' },
  F24: { outcome: 'failed', catalogue: ['F24'], title: 'getpostscript not correlated (domain mismatch), failed to get mypostscript' },
  F26: { outcome: 'failed', catalogue: ['F26'], title: 'curl missing in the installed image, %post halted' },
  F27: { outcome: 'failed', catalogue: ['S10', 'F27'], title: 'install-phase postscript returned non-zero, first boot ends failed' },
  F28: { outcome: 'failed', catalogue: ['F28'], title: 'postscript listed but does not exist' },
  F29: { outcome: 'looping', catalogue: ['S7', 'F17', 'F29'], title: 'reverse DNS broken on the MN: reinstall loop' },
  // The installed OS's kernel panics on the console: the attempt is over, not waiting.
  F31: { outcome: 'failed', silent: 'stalled', catalogue: ['F31'], title: 'status booting, then a kernel panic on the console' },
  F32: { outcome: 'failed', catalogue: ['S14', 'F32'], title: 'first boot: network to the MN not ready' },
  F33: { outcome: 'failed', catalogue: ['S9', 'F33'], title: 'postbootscript otherpkgs failed' },
  F34: { outcome: 'stalled', catalogue: ['F34'], title: 'postbootscript started, never returned' },
  F35: { outcome: 'failed', catalogue: ['F35'], title: 'credentials refused (node not ready), remoteshell failed' },
  F36: { outcome: 'failed', catalogue: ['F36'], title: 'setupntp failed at first boot' },
  F37: { outcome: 'failed', catalogue: ['S13', 'F37'], title: 'diskless rootimg 404, retrying forever' },
  F38: { outcome: 'failed', catalogue: ['F38'], title: 'diskless: no usable image URL, panic' },
  F39: { outcome: 'stalled', catalogue: ['F39'], title: 'diskless: netbooting, never reached postbooting' },
  'tftpd-down': { outcome: 'stalled', catalogue: ['F9'], title: 'tftpd not running on the MN: DHCPACK, no TFTP' },
};

/** Default share of nodes per per-node failure kind (cluster-wide kinds come from batches and windows). */
export const DEFAULT_MIX: Readonly<Partial<Record<Kind, number>>> = {
  F3: 0.003,
  F4: 0.005,
  F5: 0.006,
  F8: 0.003,
  F9: 0.003,
  F13: 0.004,
  'F13-silent': 0.003,
  F15: 0.003,
  F16: 0.003,
  F18: 0.002,
  F19: 0.003,
  F24: 0.004,
  F26: 0.002,
  F27: 0.005,
  F28: 0.003,
  F29: 0.004,
  F31: 0.003,
  F32: 0.003,
  F33: 0.005,
  F34: 0.003,
  F35: 0.003,
  F36: 0.003,
  F38: 0.002,
  F39: 0.002,
  reinstalled: 0.004,
  'nic-replaced': 0.003,
};
