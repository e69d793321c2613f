// Static facts the generator draws from: osimages, distro packages, the /install/postscripts tree,
// user agents, kernel and systemd boot lines. Values are representative of RHEL 9.4 / RHEL 7.9 /
// SLES 15 SP5 on an xCAT 2.17 MN (see docs/catalogue.md).

import { hash32 } from './prng';

export type OsFlavor = 'rhel9' | 'rhel7' | 'sles15' | 'rhel9-diskless';

export interface FileRef {
  path: string;
  bytes: number;
}

export interface ImageDef {
  name: string;
  os: OsFlavor;
  provmethod: 'install' | 'netboot';
  /** Distro tree on the MN (diskful). */
  pkgdir: string;
  kernel: FileRef;
  initrd: FileRef;
  /** Installer stage 2 (install.img / squashfs.img / inst-sys root), diskful only. */
  stage2: FileRef | null;
  /** Repository metadata and package layout (diskful). */
  repos: Array<{ dir: string; meta: FileRef[] }>;
  /** Extra repositories the kickstart adds (e.g. an otherpkgs repo); a missing one is F20. */
  extraRepos: string[];
  /** Diskless: the rootimg URL path (with the double slash xCAT produces). */
  rootimg: FileRef | null;
  postscripts: string[];
  postbootscripts: string[];
  /** Packages otherpkgs installs at first boot. */
  otherpkgs: string[];
  otherpkgdir: string;
  kernelVersion: string;
}

const RH9_KERNEL = '5.14.0-427.13.1.el9_4.x86_64';
const RH7_KERNEL = '3.10.0-1160.119.1.el7.x86_64';
const SLES_KERNEL = '5.14.21-150500.53-default';

function repomd(dir: string, hashes: number): FileRef[] {
  const h = (n: number) => hash32(dir, n).toString(16).padStart(8, '0') + hash32(n, dir).toString(16).padStart(8, '0');
  return [
    { path: `${dir}/repodata/repomd.xml`, bytes: 4_031 + (hashes % 900) },
    { path: `${dir}/repodata/${h(1)}${h(2)}-primary.xml.gz`, bytes: 1_893_422 + (hashes % 300_000) },
    { path: `${dir}/repodata/${h(3)}${h(4)}-filelists.xml.gz`, bytes: 4_411_903 + (hashes % 700_000) },
    { path: `${dir}/repodata/${h(5)}${h(6)}-comps-${dir.split('/').pop() ?? 'repo'}.x86_64.xml`, bytes: 812_553 + (hashes % 50_000) },
  ];
}

export const IMAGES: Record<string, ImageDef> = {
  'rhels9.4-x86_64-install-compute': {
    name: 'rhels9.4-x86_64-install-compute',
    os: 'rhel9',
    provmethod: 'install',
    pkgdir: '/install/rhels9.4/x86_64',
    kernel: { path: 'vmlinuz', bytes: 13_266_728 },
    initrd: { path: 'initrd.img', bytes: 106_957_884 },
    stage2: { path: '/install/rhels9.4/x86_64/images/install.img', bytes: 896_139_264 },
    repos: [
      { dir: '/install/rhels9.4/x86_64/BaseOS', meta: repomd('/install/rhels9.4/x86_64/BaseOS', 17) },
      { dir: '/install/rhels9.4/x86_64/AppStream', meta: repomd('/install/rhels9.4/x86_64/AppStream', 43) },
    ],
    extraRepos: [],
    rootimg: null,
    postscripts: ['syslog', 'remoteshell', 'syncfiles', 'confignetwork'],
    postbootscripts: ['otherpkgs'],
    otherpkgs: ['munge', 'slurm-slurmd'],
    otherpkgdir: '/install/post/otherpkgs/rhels9.4/x86_64',
    kernelVersion: RH9_KERNEL,
  },
  'rhels9.4-x86_64-install-gpu': {
    name: 'rhels9.4-x86_64-install-gpu',
    os: 'rhel9',
    provmethod: 'install',
    pkgdir: '/install/rhels9.4/x86_64',
    kernel: { path: 'vmlinuz', bytes: 13_266_728 },
    initrd: { path: 'initrd.img', bytes: 106_957_884 },
    stage2: { path: '/install/rhels9.4/x86_64/images/install.img', bytes: 896_139_264 },
    repos: [
      { dir: '/install/rhels9.4/x86_64/BaseOS', meta: repomd('/install/rhels9.4/x86_64/BaseOS', 17) },
      { dir: '/install/rhels9.4/x86_64/AppStream', meta: repomd('/install/rhels9.4/x86_64/AppStream', 43) },
    ],
    extraRepos: ['/install/post/otherpkgs/rhels9.4/x86_64/cuda'],
    rootimg: null,
    postscripts: ['syslog', 'remoteshell', 'syncfiles', 'confignetwork'],
    postbootscripts: ['otherpkgs'],
    otherpkgs: ['cuda-drivers', 'munge', 'slurm-slurmd'],
    otherpkgdir: '/install/post/otherpkgs/rhels9.4/x86_64',
    kernelVersion: RH9_KERNEL,
  },
  'rhels7.9-x86_64-install-compute': {
    name: 'rhels7.9-x86_64-install-compute',
    os: 'rhel7',
    provmethod: 'install',
    pkgdir: '/install/rhels7.9/x86_64',
    kernel: { path: 'vmlinuz', bytes: 6_769_256 },
    initrd: { path: 'initrd.img', bytes: 55_129_656 },
    stage2: { path: '/install/rhels7.9/x86_64/LiveOS/squashfs.img', bytes: 452_374_528 },
    repos: [{ dir: '/install/rhels7.9/x86_64', meta: repomd('/install/rhels7.9/x86_64', 7) }],
    extraRepos: [],
    rootimg: null,
    postscripts: ['syslog', 'remoteshell', 'syncfiles', 'confignetwork'],
    postbootscripts: ['otherpkgs'],
    otherpkgs: ['munge', 'slurm-slurmd'],
    otherpkgdir: '/install/post/otherpkgs/rhels7.9/x86_64',
    kernelVersion: RH7_KERNEL,
  },
  'sle15.5-x86_64-install-compute': {
    name: 'sle15.5-x86_64-install-compute',
    os: 'sles15',
    provmethod: 'install',
    pkgdir: '/install/sle15.5/x86_64',
    kernel: { path: 'linux', bytes: 11_243_456 },
    initrd: { path: 'initrd', bytes: 98_765_624 },
    stage2: { path: '/install/sle15.5/x86_64/1/boot/x86_64/root', bytes: 163_512_320 },
    repos: [
      { dir: '/install/sle15.5/x86_64/1/Module-Basesystem', meta: repomd('/install/sle15.5/x86_64/1/Module-Basesystem', 11) },
      { dir: '/install/sle15.5/x86_64/1/Product-SLES', meta: repomd('/install/sle15.5/x86_64/1/Product-SLES', 5) },
    ],
    extraRepos: [],
    rootimg: null,
    postscripts: ['syslog', 'remoteshell', 'syncfiles', 'confignetwork'],
    postbootscripts: ['otherpkgs'],
    otherpkgs: ['munge', 'slurm-munge'],
    otherpkgdir: '/install/post/otherpkgs/sle15.5/x86_64',
    kernelVersion: SLES_KERNEL,
  },
  'rhels9.4-x86_64-netboot-compute': {
    name: 'rhels9.4-x86_64-netboot-compute',
    os: 'rhel9-diskless',
    provmethod: 'netboot',
    pkgdir: '/install/rhels9.4/x86_64',
    kernel: { path: 'kernel', bytes: 13_266_728 },
    initrd: { path: 'initrd-stateless.gz', bytes: 38_412_877 },
    stage2: null,
    repos: [],
    extraRepos: [],
    rootimg: { path: '//install/netboot/rhels9.4/x86_64/compute/rootimg.cpio.gz', bytes: 612_345_678 },
    postscripts: ['syslog', 'remoteshell', 'syncfiles'],
    postbootscripts: ['otherpkgs'],
    otherpkgs: ['munge', 'slurm-slurmd'],
    otherpkgdir: '/install/post/otherpkgs/rhels9.4/x86_64',
    kernelVersion: RH9_KERNEL,
  },
  'rhels9.4-x86_64-netboot-gpu': {
    name: 'rhels9.4-x86_64-netboot-gpu',
    os: 'rhel9-diskless',
    provmethod: 'netboot',
    pkgdir: '/install/rhels9.4/x86_64',
    kernel: { path: 'kernel', bytes: 13_266_728 },
    initrd: { path: 'initrd-stateless.gz', bytes: 40_118_230 },
    stage2: null,
    repos: [],
    extraRepos: [],
    rootimg: { path: '//install/netboot/rhels9.4/x86_64/gpu/rootimg.cpio.gz', bytes: 1_412_345_678 },
    postscripts: ['syslog', 'remoteshell', 'syncfiles'],
    postbootscripts: ['otherpkgs'],
    otherpkgs: ['cuda-drivers'],
    otherpkgdir: '/install/post/otherpkgs/rhels9.4/x86_64',
    kernelVersion: RH9_KERNEL,
  },
};

export function image(name: string): ImageDef {
  const img = IMAGES[name];
  if (!img) throw new Error(`unknown osimage ${name}`);
  return img;
}

// ---------------------------------------------------------------------------------------------
// Packages

const RH_PACKAGES = (
  'acl audit audit-libs authselect basesystem bash bind-libs binutils bzip2-libs ca-certificates chrony ' +
  'coreutils coreutils-common cpio cracklib cronie cronie-anacron crontabs crypto-policies cryptsetup-libs curl ' +
  'cyrus-sasl-lib dbus dbus-broker dbus-libs device-mapper device-mapper-libs dhcp-client diffutils dmidecode ' +
  'dnf dnf-data dosfstools dracut dracut-config-generic dracut-network e2fsprogs e2fsprogs-libs efibootmgr ' +
  'elfutils-libelf ethtool expat file file-libs filesystem findutils firewalld fuse-libs gawk gdbm-libs ' +
  'glib2 glibc glibc-common glibc-langpack-en gmp gnupg2 gnutls gobject-introspection gpgme grep groff-base ' +
  'grub2-common grub2-pc grub2-pc-modules grub2-tools grub2-tools-minimal grubby gzip hostname hwdata ' +
  'info initscripts-service iproute iproute-tc iptables-libs iputils irqbalance jansson json-c kbd kbd-misc ' +
  'kernel kernel-core kernel-modules kernel-modules-core kernel-tools keyutils-libs kmod kmod-libs kpartx ' +
  'krb5-libs less libacl libarchive libattr libblkid libcap libcap-ng libcom_err libcurl libdb libdnf ' +
  'libevent libfdisk libffi libgcc libgcrypt libgomp libgpg-error libibverbs libidn2 libkcapi libmnl ' +
  'libmodulemd libmount libndp libnfsidmap libnghttp2 libnl3 libpsl libpwquality librepo libreport-filesystem ' +
  'libseccomp libselinux libselinux-utils libsemanage libsepol libsigsegv libsmartcols libsolv libss ' +
  'libssh libsss_idmap libstdc++ libtasn1 libtirpc libunistring libuser libutempter libuuid libverto ' +
  'libxcrypt libxml2 libyaml libzstd linux-firmware lmdb-libs logrotate lshw lsscsi lua-libs lvm2 lvm2-libs ' +
  'lz4-libs man-db mdadm microcode_ctl mpfr ncurses ncurses-base ncurses-libs net-tools nettle ' +
  'NetworkManager NetworkManager-libnm NetworkManager-team nfs-utils npth numactl-libs openldap openssh ' +
  'openssh-clients openssh-server openssl openssl-libs os-prober p11-kit p11-kit-trust pam parted passwd ' +
  'pciutils-libs pcre pcre2 pigz policycoreutils popt procps-ng psmisc python3 python3-dnf python3-libs ' +
  'python3-pip-wheel python3-setuptools-wheel rdma-core readline rootfiles rpcbind rpm rpm-libs ' +
  'rpm-plugin-selinux rsync rsyslog sed selinux-policy selinux-policy-targeted setup shadow-utils ' +
  'sqlite-libs squashfs-tools sudo systemd systemd-libs systemd-pam systemd-udev tar tpm2-tss tuned ' +
  'tzdata util-linux util-linux-core vim-minimal which xfsprogs xz xz-libs yum zlib'
).split(' ');

const RH_NOARCH = new Set([
  'basesystem',
  'ca-certificates',
  'crypto-policies',
  'dnf',
  'dnf-data',
  'dracut-config-generic',
  'filesystem',
  'grub2-common',
  'grub2-pc-modules',
  'hwdata',
  'kbd-misc',
  'linux-firmware',
  'ncurses-base',
  'p11-kit-trust',
  'python3-dnf',
  'python3-pip-wheel',
  'python3-setuptools-wheel',
  'rootfiles',
  'selinux-policy',
  'selinux-policy-targeted',
  'setup',
  'tzdata',
  'yum',
  'crontabs',
  'firewalld',
]);

function pseudoVersion(name: string, flavor: OsFlavor): string {
  const h = hash32(name, flavor);
  const major = 1 + (h % 9);
  const minor = (h >>> 4) % 40;
  const patch = (h >>> 10) % 20;
  const rel = 1 + ((h >>> 16) % 30);
  if (flavor === 'sles15') return `${major}.${minor}.${patch}-150500.${rel}.${(h >>> 20) % 9}`;
  const dist = flavor === 'rhel7' ? 'el7' : 'el9';
  return `${major}.${minor}.${patch}-${rel}.${dist}`;
}

const packageCache = new Map<string, ReadonlyArray<{ path: string; bytes: number }>>();

/** Package files (path relative to the repo dir, size) for one install, in download order. */
export function packagePaths(img: ImageDef): ReadonlyArray<{ path: string; bytes: number }> {
  const cached = packageCache.get(img.name);
  if (cached) return cached;
  const names: string[] = [];
  const out = names;
  for (const name of RH_PACKAGES) {
    const arch = RH_NOARCH.has(name) ? 'noarch' : 'x86_64';
    if (img.os === 'sles15') {
      out.push(`${arch}/${name}-${pseudoVersion(name, 'sles15')}.${arch}.rpm`);
    } else if (name === 'kernel' || name.startsWith('kernel-')) {
      const v = img.os === 'rhel7' ? RH7_KERNEL.replace('.x86_64', '') : RH9_KERNEL.replace('.x86_64', '');
      out.push(`Packages/${name}-${v}.x86_64.rpm`);
    } else {
      out.push(`Packages/${name}-${pseudoVersion(name, img.os)}.${arch}.rpm`);
    }
  }
  const files = names.map((path) => ({ path, bytes: packageBytes(path) }));
  packageCache.set(img.name, files);
  return files;
}

export function packageBytes(path: string): number {
  const h = hash32(path);
  if (path.includes('linux-firmware')) return 380_000_000 + (h % 20_000_000);
  if (path.includes('/kernel-modules')) return 38_000_000 + (h % 4_000_000);
  return 18_000 + (h % 2_400_000);
}

// ---------------------------------------------------------------------------------------------
// /install/postscripts as Apache lists it (ASCII order, directories end with '/').

export interface PsEntry {
  name: string;
  bytes: number;
  children?: PsEntry[];
}

function f(name: string, bytes: number): PsEntry {
  return { name, bytes };
}

export const POSTSCRIPTS_TREE: PsEntry[] = [
  f('README', 1_207),
  { name: '_ssh/', bytes: 0, children: [f('authorized_keys', 567), f('id_rsa.pub', 567)] },
  { name: '_xcat/', bytes: 0, children: [f('ca.pem', 1_294)] },
  f('addkmp', 5_882),
  f('addsiteyum', 1_602),
  { name: 'ca/', bytes: 0, children: [f('ca-cert.pem', 1_294), f('index', 0), f('serial', 3)] },
  f('cfgve', 1_861),
  f('configbond', 11_873),
  f('configeth', 50_211),
  f('configib', 18_902),
  f('confignetwork', 38_447),
  f('configvlan', 6_205),
  f('disableloginshell', 392),
  f('enablekdump', 6_711),
  f('getadapter', 7_103),
  f('getcredentials.awk', 1_511),
  f('getpostscript.awk', 1_208),
  f('hardeths', 3_117),
  { name: 'hostkeys/', bytes: 0, children: [f('ssh_host_ecdsa_key.pub', 162), f('ssh_host_ed25519_key.pub', 82), f('ssh_host_rsa_key.pub', 554)] },
  f('mkresolvconf', 1_290),
  f('mlnxofed_ib_install', 12_204),
  f('mountinstall', 2_005),
  f('mysite_tuning', 1_873),
  f('nfsmounts', 1_955),
  f('otherpkgs', 46_813),
  f('ospkgs', 30_566),
  f('post.xcat.ng', 17_904),
  f('post.xcat.rhels10', 17_904),
  f('remoteshell', 14_442),
  f('routeop', 18_377),
  f('setupntp', 7_652),
  f('site_gpfs_join', 2_214),
  f('site_tuning', 3_090),
  f('syncfiles', 2_611),
  f('syslog', 16_780),
  f('updateflag.awk', 1_771),
  f('xcatclient', 3_433),
  f('xcatdsklspost', 38_955),
  f('xcatinstallpost', 6_842),
  f('xcatlib.sh', 10_320),
  f('xcatpostinit1.install', 2_951),
  f('xcatpostinit1.netboot', 2_316),
  f('xcatserver', 3_077),
];

/** Apache's directory index page size for a listing. */
export function indexBytes(entries: readonly PsEntry[]): number {
  return 1_150 + entries.length * 212;
}

// ---------------------------------------------------------------------------------------------
// User agents

export const AGENT = {
  xnba: 'iPXE/1.0.0+',
  rh9curl: 'curl/7.76.1',
  rh9anaconda: 'anaconda/34.25.4.9',
  rh9dnf: 'libdnf (Red Hat Enterprise Linux 9.4; generic; Linux.x86_64)',
  rh9wget: 'Wget/1.21.1',
  rh7curl: 'curl/7.29.0',
  rh7anaconda: 'anaconda/21.48.22.159',
  rh7yum: 'urlgrabber/3.10 yum/3.4.3',
  rh7wget: 'Wget/1.14 (linux-gnu)',
  slescurl: 'curl/8.0.1',
  slesyast: 'AutoYaST2/4.5.17',
  slesZypp: 'ZYpp 17.31.15 (curl 8.0.1) SLES-15.5-x86_64',
  sleswget: 'Wget/1.20.3 (linux-gnu)',
  probe: 'check_http/v2.4.9 (nagios-plugins 2.4.9)',
} as const;

// ---------------------------------------------------------------------------------------------
// What a booted node's rsyslog forwards when it starts (journal backlog) — kernel, systemd, daemons.

export interface BootLine {
  tag: string;
  pid: number | null;
  facility: number;
  severity: number;
  msg: string;
}

export function bootBacklog(os: OsFlavor, node: string, ip: string, nic: string, kernel: string, seedNum: number, epochSec: number): BootLine[] {
  const k = (severity: number, msg: string): BootLine => ({ tag: 'kernel', pid: null, facility: 0, severity, msg });
  const s = (tag: string, pid: number | null, msg: string, severity = 6, facility = 3): BootLine => ({ tag, pid, facility, severity, msg });
  const rhel7 = os === 'rhel7';
  const sles = os === 'sles15';
  const cpu =
    seedNum % 2 === 0
      ? 'Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz (family: 0x6, model: 0x55, stepping: 0x7)'
      : 'AMD EPYC 7543 32-Core Processor (family: 0x19, model: 0x1, stepping: 0x1)';
  const lines: BootLine[] = [
    k(
      5,
      rhel7
        ? `Linux version ${kernel} (mockbuild@x86-vm-26.build.eng.bos.redhat.com) (gcc version 4.8.5 20150623 (Red Hat 4.8.5-44) (GCC) ) #1 SMP Tue Mar 5 09:57:12 EST 2024`
        : sles
          ? `Linux version ${kernel} (geeko@buildhost) (gcc (SUSE Linux) 7.5.0, GNU ld (GNU Binutils; SUSE Linux Enterprise 15) 2.41.0.20230908-150100.7.46) #1 SMP PREEMPT_DYNAMIC Wed Apr 26 15:44:29 UTC 2023 (a2e1f5f)`
          : `Linux version ${kernel} (mockbuild@x86-64-01.build.eng.rdu2.redhat.com) (gcc (GCC) 11.4.1 20231218 (Red Hat 11.4.1-3), GNU ld version 2.35.2-43.el9) #1 SMP PREEMPT_DYNAMIC Wed Apr 10 10:29:16 EDT 2024`,
    ),
    k(6, `Command line: BOOT_IMAGE=(hd0,msdos1)/vmlinuz-${kernel} root=UUID=${uuid(seedNum)} ro crashkernel=auto console=tty0 console=ttyS0,115200n8`),
    k(6, 'DMI: Supermicro SYS-2029U-TR4/X11DPU, BIOS 3.4 10/20/2020'),
    k(6, `smpboot: CPU0: ${cpu}`),
    k(6, 'Freeing unused kernel image (initmem) memory: 3216K'),
    k(6, `XFS (sda3): Mounting V5 Filesystem ${uuid(seedNum + 1)}`),
    k(6, 'XFS (sda3): Ending clean mount'),
    s(
      'systemd',
      1,
      rhel7
        ? 'systemd 219 running in system mode. (+PAM +AUDIT +SELINUX +IMA -APPARMOR +SMACK +SYSVINIT +UTMP +LIBCRYPTSETUP +GCRYPT +GNUTLS +ACL +XZ +LZ4 -SECCOMP +BLKID +ELFUTILS +KMOD +IDN)'
        : 'systemd 252-32.el9_4 running in system mode (+PAM +AUDIT +SELINUX -APPARMOR +IMA +SMACK +SECCOMP +GCRYPT +GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN -IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT -QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK +XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified)',
    ),
    s('systemd', 1, 'Detected architecture x86-64.'),
    s('systemd', 1, `Hostname set to <${node}>.`),
    s('systemd', 1, 'Reached target Local File Systems.'),
    s(
      'NetworkManager',
      1012,
      `<info>  [${epochSec + 9}.${String(seedNum % 10_000).padStart(4, '0')}] NetworkManager (version ${rhel7 ? '1.18.8-2.el7_9' : '1.46.0-4.el9_4'}) is starting... (boot:${uuid(seedNum + 2)})`,
    ),
    s(
      'NetworkManager',
      1012,
      `<info>  [${epochSec + 11}.${String((seedNum + 311) % 10_000).padStart(4, '0')}] dhcp4 (${nic}): state changed new lease, address=${ip}`,
    ),
    s(
      'chronyd',
      998,
      rhel7
        ? 'chronyd version 3.4 starting (+CMDMON +NTP +REFCLOCK +RTC +PRIVDROP +SCFILTER +SIGND +ASYNCDNS +SECHASH +IPV6 +DEBUG)'
        : 'chronyd version 4.5 starting (+CMDMON +NTP +REFCLOCK +RTC +PRIVDROP +SCFILTER +SIGND +ASYNCDNS +NTS +SECHASH +IPV6 +DEBUG)',
    ),
    s('sshd', 1105, 'Server listening on 0.0.0.0 port 22.', 6, 10),
    s('sshd', 1105, 'Server listening on :: port 22.', 6, 10),
    s('systemd', 1, 'Starting xcat service on compute node, the framework to run postbootscript and update node status...'),
    s('systemd', 1, 'Reached target Multi-User System.'),
    s(
      'systemd',
      1,
      `Startup finished in ${(2 + (seedNum % 3)).toString()}.${seedNum % 10}s (kernel) + ${(3 + (seedNum % 4)).toString()}.${(seedNum >>> 3) % 10}s (initrd) + ${(14 + (seedNum % 9)).toString()}.${(seedNum >>> 5) % 10}s (userspace) = ${(21 + (seedNum % 12)).toString()}.${(seedNum >>> 7) % 10}s.`,
    ),
  ];
  return lines;
}

/** Lines a booted node forwards later (harmless). */
export const LATER_NODE_LINES: ReadonlyArray<Omit<BootLine, 'pid'> & { pid: number | null }> = [
  { tag: 'chronyd', pid: 998, facility: 3, severity: 6, msg: 'Selected source 10.0.0.1' },
  { tag: 'systemd', pid: 1, facility: 3, severity: 6, msg: 'xcatpostinit1.service: Deactivated successfully.' },
  { tag: 'systemd', pid: 1, facility: 3, severity: 6, msg: 'Starting dnf makecache...' },
  { tag: 'systemd', pid: 1, facility: 3, severity: 6, msg: 'Finished dnf makecache.' },
  { tag: 'systemd-logind', pid: 1021, facility: 4, severity: 6, msg: 'New seat seat0.' },
  { tag: 'kernel', pid: null, facility: 0, severity: 6, msg: 'mlx5_core 0000:3b:00.0 ib0: Link up' },
];

export function uuid(n: number): string {
  const h = (k: number) => hash32('uuid', n, k).toString(16).padStart(8, '0');
  const a = h(1) + h(2) + h(3) + h(4);
  return `${a.slice(0, 8)}-${a.slice(8, 12)}-${a.slice(12, 16)}-${a.slice(16, 20)}-${a.slice(20, 32)}`;
}
