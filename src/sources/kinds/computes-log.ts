// /var/log/xcat/computes.log: everything nodes sent to the MN's rsyslog (xCAT's template); the
// installer calls itself localhost, RHEL 7's installer sends no hostname at all.

import { syslogFileParser } from './syslog-file';
import type { LogKind } from './kind';

export const computesLog: LogKind = {
  kind: 'computes',
  names: ['computes.log', 'computes'],
  path: /(?:^|\/)xcat\/computes\.log$/,
  line: null,
  open: ({ years }) => syslogFileParser(years, true, true),
  samples: [
    { line: 'Nov 24 10:17:59 cn05 xcat.deployment.postbootscript ERR provision completed with error.(cn05)', source: 'generated MN', claimed: true },
    // xcat-core#1824 (2016: `xcat.provision:` tag, two spaces after it)
    { line: 'Sep 12 21:45:03 c910f03c17k20 xcat.provision:  provision completed.(c910f03c17k20)', source: 'xcat-core#1824', claimed: true },
    // xcat-core#6935 (the time and host cut off in the paste; placed by the lines around it)
    { line: 'xcat.updatenode.postscript INFO postscript end...:otherpkgs return with 2', source: 'xcat-core#6935', claimed: false },
  ],
};
