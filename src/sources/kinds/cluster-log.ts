// /var/log/xcat/cluster.log: xcatd's own lines (`xcat[pid]:`) and, through xCAT's rsyslog
// template, every `xcat.*` line nodes send (with a severity word after the tag).

import { syslogFileParser } from './syslog-file';
import type { LogKind } from './kind';

export const clusterLog: LogKind = {
  kind: 'cluster',
  names: ['cluster.log', 'cluster'],
  path: /(?:^|\/)xcat\/cluster\.log$/,
  line: null,
  open: ({ years }) => syslogFileParser(years, true, false),
  samples: [
    { line: 'Nov 24 10:15:25 mn01 xcat[2426]: INFO xcatd: 10.1.1.10 is matched with node cn05', source: 'generated MN', claimed: true },
    { line: 'Nov 24 10:15:23 localhost xcat.deployment.postscript INFO postscript site_tuning return with 2', source: 'generated MN', claimed: true },
    // xcat-core#7465 (the time, host and xcat[pid]: cut off in the paste)
    {
      line: 'INFO xcat.discovery.switch: (d4:04:e6:72:1f:60) Warning: Could not find any nodes using switch-based discovery',
      source: 'xcat-core#7465',
      claimed: false,
    },
  ],
};
