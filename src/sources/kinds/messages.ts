// The MN's /var/log/messages (or syslog): its own daemons (dhcpd, tftpd, xcatd, httpd, systemd)
// and, where rsyslog writes them there, remote hosts' lines.

import { syslogFileParser } from './syslog-file';
import type { LogKind } from './kind';

export const messages: LogKind = {
  kind: 'messages',
  names: ['messages', 'syslog'],
  path: /(?:^|\/)(?:messages|syslog)$/,
  line: null,
  open: ({ years }) => syslogFileParser(years, false, false),
  samples: [
    { line: 'Nov 24 10:01:02 mn01 dhcpd[1930]: DHCPACK on 10.0.1.32 to ac:1f:6b:a1:49:f5 via ens4', source: 'generated MN', claimed: true },
    // xcat-core#1458 (dhcpd without a pid)
    {
      line: 'Jul  4 00:36:40 c910f03c05k04 dhcpd: DHCPDISCOVER from 42:28:0a:05:66:64 via enp0s1: network enp0s1: no free leases',
      source: 'xcat-core#1458',
      claimed: true,
    },
  ],
};
