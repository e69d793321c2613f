# shellcheck shell=sh
# xtriage.sh: run provisioning steps on an xCAT node so that each one says what it did,
# never hangs, and can stop the install at once (fail-fast).
#
# POSIX sh. Works when sourced by bash, dash and busybox ash: the installer's %pre/%post,
# dracut hooks, xCAT postscripts on a booted node. Uses only what those have: awk, sed,
# tail, tr, cut, date, sleep, kill; optionally setsid, logger, nc. Never resolves names.
#
#   . /xcatpost/xtriage.sh          # in a postscript (xCAT downloads it with the others)
#   xt_init                         # optional: every function calls it when needed
#   xt_run repo-setup 120  /usr/bin/dnf -y makecache || exit $?
#   xt_run otherpkgs  1800 ./otherpkgs                || exit $?
#   xt_log info "tuning applied"
#
# FUNCTIONS
#   xt_init
#       Finds the management node (MN) IP, the local log, the phase, the way to send. Safe to
#       call again. MN IP, first IP found in: XTRIAGE_MN, MASTER_IP, XCATMASTER, MASTER,
#       XCATSERVER= in /opt/xcat/xcatinfo (XTRIAGE_XCATINFO), the kernel command line
#       (XTRIAGE_CMDLINE, default /proc/cmdline: XCAT=ip:port, xcatd=ip:port, LOGSERVER=ip,
#       syslog.server=ip, inst.syslog=ip[:port], syslog=ip). Only an IP literal is used; a
#       name is never resolved: when only a name is known nothing is sent and the local log
#       says so. Exports XTRIAGE_MN, XTRIAGE_LOG, XTRIAGE_PHASE, XTRIAGE_STOPFILE so that
#       scripts started by a step share them. Moves the output of steps whose script died
#       (reboot, kill -9) into the log.
#   xt_run STEP TIMEOUT CMD [ARG...]
#       Runs CMD (a program or a shell function) as step STEP with stdin from /dev/null and
#       SIGTTIN/SIGTTOU ignored (a read of /dev/tty fails instead of stopping the script),
#       its stdout and stderr written as they come into files next to the local log (see
#       LOCAL LOG), copied into the log and echoed to this shell's stdout/stderr when it ends
#       (unless XTRIAGE_ECHO=0). TIMEOUT in whole seconds, 0 = none.
#       On timeout the step's process group (a program is started with setsid, so it gets a
#       group of its own) and every process below it get SIGTERM, then SIGKILL after
#       XTRIAGE_KILL_GRACE seconds. Sends a start line and an end line to the MN.
#       Returns CMD's exit status; 124 when it was killed at its timeout; 125 without running
#       CMD when an earlier step already failed fast (see xt_stopped). A failed or hung step
#       fails fast unless XTRIAGE_FAILFAST=0. The caller's IFS, set -f, set -C, set -e, set -u
#       change nothing.
#   xt_once STEP TIMEOUT CMD [ARG...]
#       xt_run for a once-only step (otherpkgs, ospkgs, a site script): on a boot (phase
#       postboot, not updatenode) it is skipped, with a line saying so, when its stamp
#       (XTRIAGE_STAMPDIR, else statelite's persistent storage: the mount on
#       /.statelite/persistent, or /.statelite/persistent/NODE when that exists, then
#       var/lib/xtriage/once in it; else /var/lib/xtriage/once) holds the same key: a checksum of CMD and ARGs,
#       CMD's text when it is a file, the OTHERPKG*/OSPKG* variables and those named in
#       XTRIAGE_ONCE_VARS. Forced, and said so, under updatenode (UPDATENODE=1) or when
#       XTRIAGE_FORCE is 1 or lists STEP. A success writes the stamp, a failure removes it.
#   xt_log LEVEL MESSAGE...
#       LEVEL: debug, info, notice, warning (warn), err (error), crit. Local log and MN.
#   xt_fail MESSAGE...
#       Fail-fast now (also when XTRIAGE_FAILFAST=0: it is an explicit decision): tells
#       xcatd `installstatus failed` (port 3002), sends the failfast line with MESSAGE, stops
#       the chain. Returns 1. Does nothing more when the chain already stopped.
#   xt_stopped
#       True (0) once the chain failed fast: later xt_run calls return 125 at once.
#   xt_xcatd COMMAND...
#       Sends one line to xcatd's install monitor (XTRIAGE_IPORT, default XCATIPORT or 3002)
#       by IP: the server says `ready`, gets the line, answers `done`. Returns 0 on `done`.
#       bash /dev/tcp, else nc; XTRIAGE_XCATD_TRIES attempts (default 2), each bounded by
#       XTRIAGE_NET_TIMEOUT. E.g. `xt_xcatd next`, `xt_xcatd installstatus booted`.
#   xt_halt
#       Fail-fast in the installer: sleep for ever (as xCAT's own %post does) so the node
#       neither reboots into a reinstall loop nor hides the failure. No-op if XTRIAGE_HALT=0.
#
# FAIL-FAST (a failed or hung step, or xt_fail): one decision per install or boot.
#   1. The stop mark is created (exclusively: of two scripts failing at once, one decides):
#      XTRIAGE_STOPFILE, else TMPDIR/xtriage.stop.BOOTID (the kernel's boot id: every
#      script of this boot or install shares it, also when xCAT's run_ps starts each
#      postscript as its own process); under updatenode TMPDIR/xtriage.stop.BOOTID.uSID
#      (one per updatenode run). If it cannot be written, this script and its children
#      (XTRIAGE_STOPPED) still stop. 2. xcatd is told `installstatus failed` on TCP 3002
#      (not when NODESTATUS is 0/n/no, as xCAT does, and never under updatenode: xCAT never
#      marks a running node failed from updatenode; xcatd=off), 3. the failfast line goes to
#      the MN, 4. every later xt_run returns 125. A script stops by testing xt_run's status
#      (`|| exit $?`) or with `set -e`.
#
# LINES SENT TO THE MN: one syslog message per event, facility local4, tag `xtriage`,
# severity info (err for failed, hung, failfast). The message is key=value, fields in this
# order, values without spaces except the quoted last one:
#   step=S event=start phase=P timeout=T
#   step=S event=end phase=P result=ok rc=0 dur=D timeout=T
#   step=S event=end phase=P result=failed rc=N dur=D timeout=T err="E"
#   step=S event=end phase=P result=hung rc=124 dur=D timeout=T err="E"
#   step=S event=failfast phase=P rc=N xcatd=X [msg="M"]
#   step=S event=log phase=P level=L msg="M"
# S: step name, [A-Za-z0-9._:/@+-], at most 64 characters (others become _); `-` outside a
#    step. P: post (installer %post and install-time postscripts), postboot (booted system:
#    postbootscripts, updatenode, diskless boot), initrd (dracut), other; XTRIAGE_PHASE sets it.
# T: timeout in seconds (0 = none). D: duration in seconds with 2 decimals and an `s`, 12.34s.
# N: exit status. X: ok (xcatd answered done), error (no answer), off (NODESTATUS off / no MN).
# E: the last XTRIAGE_ERRLINES (5) lines of stderr, or of stdout when stderr is empty.
# M: the message. E and M are escaped: \\ \" \n \r \t, other bytes outside 0x20-0x7e as
#    \xNN; when too long the beginning is dropped and replaced by `...`. The message is at
#    most XTRIAGE_MAXMSG (800) bytes, so a datagram stays under 1024 bytes.
#
# SENDING: to XTRIAGE_MN, UDP port XTRIAGE_PORT (514), first that works of: util-linux
# `logger -n IP -P PORT` (UDP, TCP if UDP is unavailable), bash /dev/udp, `nc -u`, `nc` over
# TCP (one LF-terminated message). Fire and forget; nc and TCP are bounded by
# XTRIAGE_NET_TIMEOUT (5 s). XTRIAGE_VIA=logger|devudp|nc-udp|nc-tcp|none forces one. When
# every method failed and TCP was among them (an MN that drops packets costs the timeout per
# line), nothing is sent for 10 s, then 20, 40 ... 300 (XTRIAGE_BACKOFF_UNTIL, exported).
#
# LOCAL LOG: XTRIAGE_LOG, else ROOT/var/log/xtriage/node.log where ROOT is XTRIAGE_ROOT, else
# the installed system seen from the installer (ANA_INSTALL_PATH, /mnt/sysimage, /target),
# else /; in a chrooted %post that is the installed system, so it survives the reboot. When
# a line cannot be written there (read-only, full, no directory), the first of
# TMPDIR/xtriage-node.log, /tmp/..., /dev/shm/..., /run/..., stderr that takes it, with a
# note. It gets every line above, the full output of every step, and what could not be sent.
# A step's output goes, as it is written, to LOGDIR/xtriage.PID/N-STEP.out and .err (else
# TMPDIR, /tmp, /dev/shm, /run: the first where a byte can be written; else the caller's
# stdout/stderr only, said in the log and in err): a step that hangs or reboots the node
# leaves its last lines there, and the next xt_init moves them into the log.
#
# OTHER VARIABLES: XTRIAGE_FAILFAST (1), XTRIAGE_KILL_GRACE (5), XTRIAGE_ERRLINES (5),
# XTRIAGE_ECHO (1), XTRIAGE_HALT (1), XTRIAGE_XCATD_TRIES (2), XTRIAGE_UPDATENODE (from
# UPDATENODE), XTRIAGE_RUNDIR (TMPDIR: where the stop mark goes), XTRIAGE_FORCE,
# XTRIAGE_STAMPDIR, XTRIAGE_ONCE_VARS, XTRIAGE_STATELITE (/.statelite), XTRIAGE_MOUNTS
# (/proc/self/mounts), TMPDIR (/tmp).
#
# NEVER BREAKS ITS CALLER: no redirection is put on a special builtin (a failed one exits a
# dash or busybox script); every file it writes has a fallback; it splits words without the
# caller's IFS and globs only in subshells that undo set -f.

# Centiseconds since boot (else since the epoch) into _xt_cs; no fork.
xt__cs() {
	_xtc_u=
	if [ -r /proc/uptime ] && IFS=' ' read -r _xtc_u _xtc_x </proc/uptime; then
		case $_xtc_u in
		*.*) _xtc_i=${_xtc_u%%.*} _xtc_f=${_xtc_u#*.}00 ;;
		*) _xtc_i=$_xtc_u _xtc_f=00 ;;
		esac
		_xtc_f=${_xtc_f%"${_xtc_f#??}"}
		_xtc_f=${_xtc_f#0}
		_xt_cs=$((_xtc_i * 100 + _xtc_f))
	else
		_xt_cs=$(($(date +%s) * 100))
	fi
}

xt__ts() {
	date '+%Y-%m-%dT%H:%M:%S%z' 2>/dev/null || echo -
}

xt__sevword() {
	case $1 in
	debug) echo DEBUG ;;
	notice) echo NOTICE ;;
	warning) echo WARNING ;;
	err) echo ERR ;;
	crit) echo CRIT ;;
	*) echo INFO ;;
	esac
}

xt__level() {
	case $1 in
	debug | DEBUG) echo debug ;;
	notice | NOTICE) echo notice ;;
	warn | warning | WARN | WARNING) echo warning ;;
	err | error | ERR | ERROR) echo err ;;
	crit | critical | CRIT | alert | emerg | panic) echo crit ;;
	*) echo info ;;
	esac
}

xt__pri() {
	case $1 in
	crit) echo 162 ;;
	err) echo 163 ;;
	warning) echo 164 ;;
	notice) echo 165 ;;
	debug) echo 167 ;;
	*) echo 166 ;;
	esac
}

# Appends one line to the local log: TIME xtriage[PID]: SEVERITY TEXT. When the log cannot take
# it (read-only, full, no such directory), moves to the first fallback that does (xt__relog).
# Redirections go on printf inside { } 2>/dev/null: a failed redirection of a special builtin
# such as `:` exits a dash or busybox script, the caller's included.
xt__local() {
	_xto_l="$(xt__ts) xtriage[$$]: $1 $2"
	xt__append "${XTRIAGE_LOG:-/dev/null}" "$_xto_l" && return 0
	xt__relog "${XTRIAGE_LOG:-}" && xt__append "$XTRIAGE_LOG" "$_xto_l"
	return 0
}

# One line to FILE; the caller's stderr when FILE is /dev/stderr (not through the open of
# /dev/stderr: the 2>/dev/null that silences a failed open would be what it opens).
xt__append() { # FILE LINE
	if [ "$1" = /dev/stderr ]; then
		printf '%s\n' "$2" >&2
	else
		{ printf '%s\n' "$2" >>"$1"; } 2>/dev/null
	fi
}

# The local log is unwritable: TMPDIR, /tmp, /dev/shm, /run, then stderr; the first that takes
# the note wins (a full disk accepts the open and fails the write, so write, don't test).
xt__relog() { # BADPATH
	for _xtg_f in "${TMPDIR:-/tmp}/xtriage-node.log" /tmp/xtriage-node.log /dev/shm/xtriage-node.log /run/xtriage-node.log /dev/stderr; do
		[ "$_xtg_f" = "$1" ] && continue
		if xt__append "$_xtg_f" "$(xt__ts) xtriage[$$]: WARNING cannot write ${1:-the log}; logging here instead"; then
			XTRIAGE_LOG=$_xtg_f
			export XTRIAGE_LOG
			return 0
		fi
	done
	XTRIAGE_LOG=/dev/null
	return 1
}

# Escapes stdin for a quoted value of at most $1 bytes, keeping the end (see header). Reads
# bytes through od, so NUL and any other byte survive every awk.
xt__esc() {
	od -An -v -tx1 | LC_ALL=C awk -v max="$1" '
	BEGIN {
		for (i = 0; i < 256; i++) hex[sprintf("%02x", i)] = i
	}
	{ for (f = 1; f <= NF; f++) b[++n] = hex[$f] }
	END {
		while (n > 0 && b[n] == 10) n--
		k = 0
		for (j = 1; j <= n; j++) {
			o = b[j]
			if (o == 10) t = "\\n"
			else if (o == 92) t = "\\\\"
			else if (o == 34) t = "\\\""
			else if (o == 9) t = "\\t"
			else if (o == 13) t = "\\r"
			else if (o >= 32 && o < 127) t = sprintf("%c", o)
			else t = sprintf("\\x%02x", o)
			tok[++k] = t
		}
		first = 1
		total = 0
		for (j = 1; j <= k; j++) total += length(tok[j])
		if (total > max) {
			budget = max - 3
			used = 0
			for (j = k; j >= 1; j--) {
				if (used + length(tok[j]) > budget) break
				used += length(tok[j])
			}
			first = j + 1
			printf "..."
		}
		for (j = first; j <= k; j++) printf "%s", tok[j]
	}'
}

xt__name() {
	_xtn=$(printf '%s' "$1" | LC_ALL=C tr -c 'A-Za-z0-9._:/@+-' '_' | cut -c1-64)
	echo "${_xtn:-unnamed}"
}

xt__is_ipv4() {
	case $1 in
	'' | *[!0-9.]* | .* | *. | *..*) return 1 ;;
	esac
	(
		IFS=.
		# shellcheck disable=SC2086
		set -- $1
		[ $# -eq 4 ] || exit 1
		for _xto; do
			[ ${#_xto} -le 3 ] && [ "$_xto" -le 255 ] || exit 1
		done
		exit 0
	)
}

xt__is_ip() {
	xt__is_ipv4 "$1" && return 0
	case $1 in
	*[!0-9A-Fa-f:.]* | *:::*) return 1 ;;
	*:*:*) return 0 ;;
	esac
	return 1
}

# Host part of ip, ip:port, [v6]:port, v6; quotes and spaces stripped.
xt__host() {
	_xth=$(printf '%s' "$1" | tr -d "\"' \t\r\n")
	case $_xth in
	\[*\]*) _xth=${_xth#\[} _xth=${_xth%%\]*} ;;
	*:*:*) ;;
	*:*) _xth=${_xth%%:*} ;;
	esac
	echo "$_xth"
}

# Offers one candidate: sets _xt_mn to the first IP, remembers the first name.
xt__cand() {
	[ -n "$_xt_mn" ] && return 0
	case $2 in '' | *'#'*) return 0 ;; esac
	_xtv=$(xt__host "$2")
	[ -n "$_xtv" ] || return 0
	if xt__is_ip "$_xtv"; then
		_xt_mn=$_xtv _xt_mn_from=$1
	elif [ -z "$_xt_mn_name" ]; then
		_xt_mn_name=$_xtv _xt_mn_name_from=$1
	fi
	return 0
}

xt__find_mn() {
	_xt_mn='' _xt_mn_from='' _xt_mn_name='' _xt_mn_name_from=''
	xt__cand XTRIAGE_MN "${XTRIAGE_MN:-}"
	xt__cand MASTER_IP "${MASTER_IP:-}"
	xt__cand XCATMASTER "${XCATMASTER:-}"
	xt__cand MASTER "${MASTER:-}"
	if [ -n "${XTRIAGE_XCATINFO:-}" ]; then
		set -- "$XTRIAGE_XCATINFO"
	else
		set -- "$_xt_root/opt/xcat/xcatinfo" /opt/xcat/xcatinfo
	fi
	for _xtf; do
		[ -r "$_xtf" ] || continue
		xt__cand "$_xtf" "$(sed -n 's/^XCATSERVER=//p' "$_xtf" 2>/dev/null | head -n 1)"
	done
	_xtf=${XTRIAGE_CMDLINE:-/proc/cmdline}
	if [ -r "$_xtf" ]; then
		for _xtk in XCAT xcatd LOGSERVER syslog.server inst.syslog syslog; do
			xt__cand "kernel $_xtk=" "$(tr ' ' '\n' <"$_xtf" 2>/dev/null | sed -n "s/^$_xtk=//p" | head -n 1)"
		done
	fi
}

xt__find_root() {
	if [ -n "${XTRIAGE_ROOT:-}" ]; then
		_xt_root=${XTRIAGE_ROOT%/}
	elif [ -n "${ANA_INSTALL_PATH:-}" ] && [ "${ANA_INSTALL_PATH%/}" != "" ] && [ -d "$ANA_INSTALL_PATH/etc" ]; then
		_xt_root=${ANA_INSTALL_PATH%/}
	elif [ -d /mnt/sysimage/etc ]; then
		_xt_root=/mnt/sysimage
	elif [ -d /target/etc ] && [ -d /target/var ]; then
		_xt_root=/target
	else
		_xt_root=
	fi
}

xt__find_phase() {
	case ${XTRIAGE_PHASE:-} in
	post | postboot | initrd | other) return 0 ;;
	'') ;;
	*) XTRIAGE_PHASE=other && return 0 ;;
	esac
	XTRIAGE_PHASE=postboot
	if [ -n "$_xt_root" ] || [ -n "${ANA_INSTALL_PATH:-}" ]; then
		XTRIAGE_PHASE=post
		return 0
	fi
	_xtf=${XTRIAGE_CMDLINE:-/proc/cmdline}
	if [ -r "$_xtf" ]; then
		case " $(cat "$_xtf" 2>/dev/null) " in
		*' inst.ks='* | *' ks='* | *' autoyast='* | *' inst.stage2='* | *' ds=nocloud'*)
			XTRIAGE_PHASE=post
			return 0
			;;
		esac
	fi
	[ -f /etc/initrd-release ] && XTRIAGE_PHASE=initrd
	return 0
}

xt__find_log() {
	if [ -z "${XTRIAGE_LOG:-}" ]; then
		XTRIAGE_LOG=$_xt_root/var/log/xtriage/node.log
	fi
	mkdir -p "$(dirname "$XTRIAGE_LOG")" 2>/dev/null || :
	# Not writable: xt__local moves to a fallback with the first line (xt_init's).
}

xt__find_via() {
	_xt_chain=
	_xt_ncq=
	if command -v logger >/dev/null 2>&1; then
		_xtv=$(logger --help 2>&1) || :
		case $_xtv in *--server*--port*) _xt_chain='logger' ;; esac
	fi
	[ -n "${BASH_VERSION:-}" ] && _xt_chain="$_xt_chain devudp"
	if command -v nc >/dev/null 2>&1; then
		_xtv=$(nc -h 2>&1) || :
		case $_xtv in
		*Ncat* | *ncat*) _xt_ncq=--send-only ;;
		*'-q sec'* | *'[-q '*) _xt_ncq='-q 0' ;;
		esac
		case $_xtv in *UDP* | *udp*) _xt_chain="$_xt_chain nc-udp" ;; esac
		_xt_chain="$_xt_chain nc-tcp"
	fi
	case ${XTRIAGE_VIA:-} in
	logger | devudp | nc-udp | nc-tcp | none) _xt_chain=$XTRIAGE_VIA ;;
	esac
	[ -n "$_xt_chain" ] || _xt_chain=none
	_xt_chain=${_xt_chain# }
}

# The phase for a line: one of the four names, whatever XTRIAGE_PHASE was set to since init.
xt__phase() {
	case ${XTRIAGE_PHASE:-} in
	post | postboot | initrd | other) echo "$XTRIAGE_PHASE" ;;
	*) echo other ;;
	esac
}

xt__num() {
	case $1 in '' | *[!0-9]*) echo "$2" ;; *) echo "$1" ;; esac
}

xt_init() {
	xt__find_root
	xt__find_mn
	xt__find_phase
	xt__find_log
	xt__find_via
	_xt_port=$(xt__num "${XTRIAGE_PORT:-}" 514)
	_xt_iport=$(xt__num "${XTRIAGE_IPORT:-${XCATIPORT:-}}" 3002)
	_xt_nett=$(xt__num "${XTRIAGE_NET_TIMEOUT:-}" 5)
	[ "$_xt_nett" -ge 1 ] || _xt_nett=1
	_xt_max=$(xt__num "${XTRIAGE_MAXMSG:-}" 800)
	[ "$_xt_max" -ge 256 ] || _xt_max=256
	[ "$_xt_max" -le 1900 ] || _xt_max=1900
	_xt_host=$(uname -n 2>/dev/null | LC_ALL=C tr -c 'A-Za-z0-9._-' '_' | cut -c1-64)
	_xt_host=${_xt_host:--}
	_xt_setsid=$(command -v setsid 2>/dev/null) || _xt_setsid=
	_xt_tmpdir=
	_xt_seq=${_xt_seq:-0}
	_xt_sendfail=
	_xt_upd=
	xt__updatenode && _xt_upd=1
	[ -n "${XTRIAGE_STOPFILE:-}" ] || XTRIAGE_STOPFILE=$(xt__stopmark)
	XTRIAGE_MN=$_xt_mn
	export XTRIAGE_MN XTRIAGE_LOG XTRIAGE_PHASE XTRIAGE_STOPFILE
	_xt_inited=1
	xt__local INFO "init: mn=${_xt_mn:--}${_xt_mn_from:+ (from $_xt_mn_from)} port=$_xt_port via=$_xt_chain phase=$(xt__phase) failfast=${XTRIAGE_FAILFAST:-1} xcatd-port=$_xt_iport${_xt_upd:+ updatenode} stop-mark=$XTRIAGE_STOPFILE shell=${BASH_VERSION:+bash }$0"
	xt__orphans
	if [ -z "$_xt_mn" ]; then
		if [ -n "$_xt_mn_name" ]; then
			xt__local WARNING "the MN is known only by the name '$_xt_mn_name' (from $_xt_mn_name_from); names are never resolved, so nothing is sent and lines stay in this log. Set MASTER_IP or XTRIAGE_MN to the MN's IP."
		else
			xt__local WARNING "no MN IP found (XTRIAGE_MN, MASTER_IP, XCATMASTER, MASTER, xcatinfo, kernel command line); lines stay in this log"
		fi
	fi
	return 0
}

# True under updatenode on a running node: xcatdsklspost 1, 2 and 5 set UPDATENODE=1 in
# mypostscript (XTRIAGE_UPDATENODE=1 says so too, 0 says it is not).
xt__updatenode() {
	case ${XTRIAGE_UPDATENODE:-${UPDATENODE:-0}} in 1 | y | yes) return 0 ;; esac
	return 1
}

# The fail-fast stop mark shared by every script of one install or boot, whatever starts them
# (xCAT's run_ps starts each postscript as its own process): keyed by the kernel's boot id, in
# TMPDIR (the installer's /tmp is per install). Under updatenode one decision per updatenode
# run instead: the key adds the session id (xdsh's ssh gives each run its own session), so
# a later updatenode is not stopped by an earlier one's failure.
xt__stopmark() {
	_xtk_b=$(tr -cd '0-9a-f' </proc/sys/kernel/random/boot_id 2>/dev/null | cut -c1-12)
	_xtk_k=${_xtk_b:-noboot}
	if xt__updatenode; then
		_xtk_s=$(sed 's/.*) //' "/proc/$$/stat" 2>/dev/null | cut -d' ' -f4)
		_xtk_k=$_xtk_k.u${_xtk_s:-$$}
	fi
	echo "${XTRIAGE_RUNDIR:-${TMPDIR:-/tmp}}/xtriage.stop.$_xtk_k"
}

xt__ensure() {
	[ -n "${_xt_inited:-}" ] || xt_init
}

# The directory for a step's output and the send buffers: xtriage.PID next to the local log
# (persistent: a step's output is on disk as it is written, and a step cut short by a reboot
# leaves it there for the next xt_init), else TMPDIR, /tmp, /dev/shm, /run. A candidate must
# take a byte (read-only, full and inode-starved file systems are skipped). Returns 1, with
# _xt_tmpdir empty, when none does.
xt__tmp() {
	[ -n "$_xt_tmpdir" ] && [ -d "$_xt_tmpdir" ] && return 0
	case ${XTRIAGE_LOG:-} in /dev/* | '') _xtm_l= ;; *) _xtm_l=$(dirname "$XTRIAGE_LOG") ;; esac
	for _xtm_d in "$_xtm_l" "${TMPDIR:-/tmp}" /tmp /dev/shm /run; do
		[ -d "$_xtm_d" ] || continue
		_xt_tmpdir=$_xtm_d/xtriage.$$
		if mkdir -p "$_xt_tmpdir" 2>/dev/null && { printf x >|"$_xt_tmpdir/.probe"; } 2>/dev/null; then
			rm -f "$_xt_tmpdir/.probe"
			chmod 700 "$_xt_tmpdir" 2>/dev/null || :
			return 0
		fi
		rm -f "$_xt_tmpdir/.probe" 2>/dev/null
		rmdir "$_xt_tmpdir" 2>/dev/null
	done
	_xt_tmpdir=
	if [ -z "$_xt_notmp" ]; then
		_xt_notmp=1
		xt__local WARNING "no writable directory (next to the log, TMPDIR, /tmp, /dev/shm, /run): steps' output goes to the caller only, not into this log"
	fi
	return 1
}

xt__untmp() {
	[ -n "$_xt_tmpdir" ] && rmdir "$_xt_tmpdir" 2>/dev/null && _xt_tmpdir=
	return 0
}

# Output of steps whose script died (reboot, kill -9) before the step ended: into the log, once.
xt__orphans() {
	case ${XTRIAGE_LOG:-} in /dev/* | '') return 0 ;; esac
	(
		set +f
		for _xtp_d in "$(dirname "$XTRIAGE_LOG")"/xtriage.[0-9]*; do
			[ -d "$_xtp_d" ] || continue
			kill -0 "${_xtp_d##*.}" 2>/dev/null && continue
			for _xtp_f in "$_xtp_d"/*.out "$_xtp_d"/*.err; do
				[ -f "$_xtp_f" ] || continue
				_xtp_n=${_xtp_f##*/}
				_xtp_s=${_xtp_n#*-}
				xt__local WARNING "step=${_xtp_s%.*} did not end: its script (pid ${_xtp_d##*.}) was killed or the node rebooted; its last output follows"
				xt__block "${_xtp_s%.*}" "${_xtp_n##*.}" "$_xtp_f"
				rm -f "$_xtp_f"
			done
			rm -f "$_xtp_d/send" "$_xtp_d/xcatd" "$_xtp_d/.probe"
			rmdir "$_xtp_d" 2>/dev/null
		done
	)
}

# Every descendant of PID (from /proc), space separated.
xt__descendants() {
	set +f
	{
		for _xtd_f in /proc/[0-9]*/stat; do
			read -r _xtd_l <"$_xtd_f" || continue
			_xtd_r=${_xtd_l##*) }
			_xtd_r=${_xtd_r#* }
			printf '%s %s\n' "${_xtd_l%% *}" "${_xtd_r%% *}"
		done
	} 2>/dev/null | awk -v root="$1" '
	{ par[$1] = $2 }
	END {
		n = 1; q[1] = root; i = 1
		while (i <= n) {
			p = q[i]
			for (c in par) if (par[c] == p) { q[++n] = c; printf "%s ", c }
			i++
		}
	}'
}

xt__alive() {
	for _xta; do
		kill -0 "$_xta" 2>/dev/null && return 0
	done
	return 1
}

# Runs in the background: once SECS have passed, SIGTERM the step (group and tree), SIGKILL
# after the grace; exits 3 when it did, 0 when the step ended first. It polls the step every
# second rather than being signalled: a signal sent to a freshly forked shell or sleep can be
# lost (the child still has the parent's handler until it execs), leaving a sleep behind or a
# caller waiting. It writes no file, so a full or inode-starved disk cannot silence it.
xt__watchdog() { # PID SECS GROUP
	IFS=' 	
'
	set +f
	# A tty read by the step must not stop the watchdog with it (SIGTTIN goes to the group).
	trap '' TTIN TTOU
	xt__cs
	_xtw_end=$((_xt_cs + $2 * 100))
	while kill -0 "$1" 2>/dev/null; do
		xt__cs
		[ "$_xt_cs" -lt "$_xtw_end" ] || break
		_xtw_n=$(((_xtw_end - _xt_cs + 99) / 100))
		[ "$_xtw_n" -le 1 ] || _xtw_n=1
		sleep "$_xtw_n"
	done
	kill -0 "$1" 2>/dev/null || exit 0
	_xtw_d=$(xt__descendants "$1")
	if [ "$3" = 1 ]; then kill -TERM -"$1" 2>/dev/null || :; fi
	# shellcheck disable=SC2086
	kill -TERM "$1" $_xtw_d 2>/dev/null || :
	_xtw_g=$(xt__num "${XTRIAGE_KILL_GRACE:-}" 5)
	if sleep 0.2 2>/dev/null; then
		_xtw_nap=0.2 _xtw_n=$((_xtw_g * 5 - 1))
	else
		_xtw_nap=1 _xtw_n=$((_xtw_g - 1))
	fi
	# shellcheck disable=SC2086
	while [ "$_xtw_n" -gt 0 ] && xt__alive "$1" $_xtw_d; do
		sleep "$_xtw_nap"
		_xtw_n=$((_xtw_n - 1))
	done
	_xtw_d="$_xtw_d $(xt__descendants "$1")"
	if [ "$3" = 1 ]; then kill -KILL -"$1" 2>/dev/null || :; fi
	# shellcheck disable=SC2086
	kill -KILL "$1" $_xtw_d 2>/dev/null || :
	exit 3
}

# xt__timed SECS INFILE CMD [ARG...]: runs CMD with stdin from INFILE and a deadline.
# Returns CMD's status, or 124 when the deadline killed it (then XT_TIMEDOUT=1).
# The command ignores SIGTTIN/SIGTTOU: a read of /dev/tty from a background process group
# then fails (EIO) instead of stopping the whole group, the caller and watchdog included.
xt__timed() {
	_xtt_t=$1 _xtt_in=$2
	shift 2
	_xtt_grp=0 _xtt_prog=0
	case $(command -v "$1" 2>/dev/null) in */*) _xtt_prog=1 ;; esac
	case $- in *m*) _xtt_grp=1 ;; esac
	if [ "$_xtt_grp" = 0 ] && [ -n "$_xt_setsid" ] && [ "$_xtt_prog" = 1 ]; then
		_xtt_grp=1
		set -- "$_xt_setsid" "$@"
	fi
	if [ "$_xtt_prog" = 1 ]; then
		{
			trap '' TTIN TTOU
			exec "$@"
		} <"$_xtt_in" &
	else
		{
			trap '' TTIN TTOU
			"$@"
		} <"$_xtt_in" &
	fi
	_xtt_p=$!
	xt__cs
	_xtt_t0=$_xt_cs
	_xtt_w=
	if [ "$_xtt_t" -gt 0 ]; then
		xt__watchdog "$_xtt_p" "$_xtt_t" "$_xtt_grp" </dev/null >/dev/null 2>&1 &
		_xtt_w=$!
	fi
	_xtt_rc=0
	wait "$_xtt_p" 2>/dev/null || _xtt_rc=$?
	XT_TIMEDOUT=0
	# The watchdog cannot have fired before the deadline: only near or past it is its verdict
	# awaited (it then ends within a second plus the grace). Earlier, it sees the step gone
	# at its next poll and exits by itself.
	xt__cs
	if [ -n "$_xtt_w" ] && [ $((_xt_cs - _xtt_t0 + 150)) -ge $((_xtt_t * 100)) ]; then
		_xtt_ws=0
		wait "$_xtt_w" 2>/dev/null || _xtt_ws=$?
		if [ "$_xtt_ws" = 3 ]; then
			XT_TIMEDOUT=1 _xtt_rc=124
		fi
	fi
	return "$_xtt_rc"
}

xt__dgram() { # LEVEL MSG
	printf '<%s>1 %s %s xtriage - - - %s' "$(xt__pri "$1")" \
		"$(date -u '+%Y-%m-%dT%H:%M:%SZ' 2>/dev/null || echo -)" "$_xt_host" "$2"
}

# nc's arguments after the options that make it quit at end of input (set by xt__find_via).
xt__nc() {
	case $_xt_ncq in
	'-q 0') nc -q 0 "$@" ;;
	'') nc "$@" ;;
	*) nc "$_xt_ncq" "$@" ;;
	esac
}

xt__send1() { # METHOD LEVEL MSG
	case $1 in
	logger)
		xt__timed "$_xt_nett" /dev/null logger -n "$XTRIAGE_MN" -P "$_xt_port" -t xtriage -p "local4.$2" "$3" >/dev/null 2>&1
		;;
	devudp)
		[ -n "${BASH_VERSION:-}" ] || return 1
		# shellcheck disable=SC3025 # bash only, guarded above
		{ xt__dgram "$2" "$3" >"/dev/udp/$XTRIAGE_MN/$_xt_port"; } 2>/dev/null
		;;
	nc-udp | nc-tcp)
		# The message through a file when a directory takes it, else through a pipe. Over TCP
		# one LF-terminated line.
		_xts_lf=
		[ "$1" = nc-tcp ] && _xts_lf=1
		if xt__tmp && { xt__dgram "$2" "$3" >|"$_xt_tmpdir/send" && { [ -z "$_xts_lf" ] || echo >>"$_xt_tmpdir/send"; }; } 2>/dev/null; then
			_xts_in=$_xt_tmpdir/send
		else
			_xts_in=
		fi
		if [ "$1" = nc-udp ]; then set -- -u -w 1; else set -- -w "$_xt_nett"; fi
		if [ -n "$_xts_in" ]; then
			xt__timed "$_xt_nett" "$_xts_in" xt__nc "$@" "$XTRIAGE_MN" "$_xt_port" >/dev/null 2>&1
		else
			xt__timed "$_xt_nett" /dev/null xt__send_pipe "$@" "$XTRIAGE_MN" "$_xt_port" >/dev/null 2>&1
		fi
		;;
	*) return 1 ;;
	esac
}

# The message into nc through a pipe (no directory for a file). A timed step: a background
# list's stdin is /dev/null before its redirections, so the pipe must be inside it.
xt__send_pipe() { # NC-ARGS...
	{ xt__dgram "$_xts_l" "$_xts_m" && { [ -z "$_xts_lf" ] || echo; }; } | xt__nc "$@"
}

# Whole seconds since boot (or the epoch): the back-off clock.
xt__secs() {
	xt__cs
	echo $((_xt_cs / 100))
}

# Sends one line by the first method that works. After a failure of every method (a silent MN
# costs the network timeout per try) it backs off: nothing is sent for 10 s, then 20, 40 ...
# up to 300, and the local log says so once per back-off. Exported: child scripts inherit it.
xt__send() { # LEVEL MSG
	[ -n "${XTRIAGE_MN:-}" ] || return 0
	if [ -n "${XTRIAGE_BACKOFF_UNTIL:-}" ] && [ "$(xt__secs)" -lt "$XTRIAGE_BACKOFF_UNTIL" ]; then
		return 0
	fi
	_xts_l=$1 _xts_m=$2
	_xts_rest="$_xt_chain "
	while [ -n "${_xts_rest# }" ]; do
		_xts_v=${_xts_rest%% *}
		_xts_rest=${_xts_rest#* }
		[ -n "$_xts_v" ] || continue
		if xt__send1 "$_xts_v" "$_xts_l" "$_xts_m"; then
			rm -f "$_xt_tmpdir/send" 2>/dev/null
			xt__untmp
			if [ -n "${XTRIAGE_BACKOFF_UNTIL:-}" ]; then
				XTRIAGE_BACKOFF_UNTIL='' XTRIAGE_BACKOFF=''
				xt__local INFO "the MN $XTRIAGE_MN answers again: sending resumes"
			fi
			return 0
		fi
	done
	rm -f "$_xt_tmpdir/send" 2>/dev/null
	xt__untmp
	if [ -z "$_xt_sendfail" ]; then
		_xt_sendfail=1
		xt__local WARNING "could not send to $XTRIAGE_MN port $_xt_port (tried: $_xt_chain); lines stay in this log"
	fi
	# Only a TCP connect costs time when the MN is silent; UDP fails (if ever) at once.
	case " $_xt_chain " in *' nc-tcp '*) ;; *) return 0 ;; esac
	_xts_b=$(xt__num "${XTRIAGE_BACKOFF:-}" 5)
	_xts_b=$((_xts_b * 2))
	[ "$_xts_b" -le 300 ] || _xts_b=300
	XTRIAGE_BACKOFF=$_xts_b
	XTRIAGE_BACKOFF_UNTIL=$(($(xt__secs) + _xts_b))
	export XTRIAGE_BACKOFF XTRIAGE_BACKOFF_UNTIL
	xt__local WARNING "the MN $XTRIAGE_MN does not take lines: backing off, nothing sent for ${_xts_b}s (lines stay in this log)"
	return 0
}

xt__emit() { # LEVEL MSG: local log and MN
	xt__local "$(xt__sevword "$1")" "$2"
	xt__send "$1" "$2"
}

xt__block() { # STEP STREAM FILE: a step's output, in full, into the local log
	[ -s "$3" ] || return 0
	case ${XTRIAGE_LOG:-} in /dev/stderr | /dev/null | '') return 0 ;; esac
	{
		printf '%s xtriage[%s]: INFO step=%s %s follows (%s bytes)\n' "$(xt__ts)" "$$" "$1" "$2" "$(wc -c <"$3" | tr -d ' ')"
		sed "s/^/  $2| /" "$3"
		[ "$(tail -c 1 "$3" | wc -l | tr -d ' ')" = 1 ] || echo
	} >>"$XTRIAGE_LOG" 2>/dev/null || :
}

xt__failfast() { # STEP RC MESSAGE
	xt_stopped && return 0
	# One decision: the mark is created exclusively (noclobber), so of two scripts failing at
	# once only one goes on. If it cannot be written at all, this script and its children
	# (XTRIAGE_STOPPED) still stop.
	if ! (set -C && printf '' >"$XTRIAGE_STOPFILE") 2>/dev/null; then
		[ -f "$XTRIAGE_STOPFILE" ] && return 0
		xt__local WARNING "cannot write the stop mark $XTRIAGE_STOPFILE: only this script and the scripts it starts stop"
	fi
	XTRIAGE_STOPPED=1
	export XTRIAGE_STOPPED
	_xtf_x=off
	_xtf_ns=${NODESTATUS:-}
	if xt__updatenode; then
		xt__local INFO "updatenode on a running node: installstatus failed not sent to xcatd (xCAT never marks a running node failed from updatenode)"
		_xtf_ns=updatenode
	fi
	case $_xtf_ns in
	updatenode) ;;
	0 | n | N | no | NO | No) xt__local INFO "NODESTATUS=$NODESTATUS: installstatus failed not sent to xcatd" ;;
	*)
		if [ -n "${XTRIAGE_MN:-}" ]; then
			if xt_xcatd installstatus failed; then _xtf_x=ok; else _xtf_x=error; fi
		fi
		;;
	esac
	_xtf_l="step=$1 event=failfast phase=$(xt__phase) rc=$2 xcatd=$_xtf_x"
	if [ -n "$3" ]; then
		_xtf_e=$(printf '%s\n' "$3" | xt__esc $((_xt_max - ${#_xtf_l} - 7)))
		_xtf_l="$_xtf_l msg=\"$_xtf_e\""
	fi
	xt__emit err "$_xtf_l"
	return 0
}

xt_stopped() {
	[ -n "${XTRIAGE_STOPPED:-}" ] || { [ -n "${XTRIAGE_STOPFILE:-}" ] && [ -f "$XTRIAGE_STOPFILE" ]; }
}

xt_run() {
	xt__ensure
	if [ $# -lt 3 ]; then
		xt_log err "xt_run needs STEP TIMEOUT CMD [ARG...], got: $*"
		return 2
	fi
	_xtr_s=$(xt__name "$1")
	_xtr_t=$(xt__num "$2" 0)
	shift 2
	if xt_stopped; then
		xt__local WARNING "step=$_xtr_s not run: the chain stopped after a fail-fast (command: $*)"
		return 125
	fi
	XTRIAGE_LAST_STEP=$_xtr_s
	xt__emit info "step=$_xtr_s event=start phase=$(xt__phase) timeout=$_xtr_t"
	xt__local INFO "step=$_xtr_s command: $*"
	_xt_seq=$((_xt_seq + 1))
	# Output straight into files next to the log (xt__tmp): on disk as it is written.
	_xtr_o='' _xtr_e=''
	if xt__tmp; then
		case $_xtr_s in */*) _xtr_f=$(printf '%s' "$_xtr_s" | tr / _) ;; *) _xtr_f=$_xtr_s ;; esac
		_xtr_o=$_xt_tmpdir/$_xt_seq-$_xtr_f.out _xtr_e=$_xt_tmpdir/$_xt_seq-$_xtr_f.err
		if ! { printf '' >|"$_xtr_o" && printf '' >|"$_xtr_e"; } 2>/dev/null; then
			rm -f "$_xtr_o" "$_xtr_e" 2>/dev/null
			_xtr_o='' _xtr_e=''
		fi
	fi
	[ -n "$_xtr_o" ] || xt__local WARNING "step=$_xtr_s: its output cannot be kept (no writable directory), it goes to the caller only"
	_xtr_prev=${XTRIAGE_STEP:-}
	XTRIAGE_STEP=$_xtr_s
	export XTRIAGE_STEP
	xt__cs
	_xtr_t0=$_xt_cs
	_xtr_rc=0
	if [ -n "$_xtr_o" ]; then
		xt__timed "$_xtr_t" /dev/null "$@" >>"$_xtr_o" 2>>"$_xtr_e" || _xtr_rc=$?
	else
		xt__timed "$_xtr_t" /dev/null "$@" || _xtr_rc=$?
	fi
	_xtr_to=$XT_TIMEDOUT
	xt__cs
	_xtr_t1=$_xt_cs
	XTRIAGE_STEP=$_xtr_prev
	_xtr_cs=$((_xtr_t1 - _xtr_t0))
	[ "$_xtr_cs" -ge 0 ] || _xtr_cs=0
	_xtr_d=$((_xtr_cs / 100)).$(printf '%02d' $((_xtr_cs % 100)))s
	if [ -n "$_xtr_o" ]; then
		xt__block "$_xtr_s" out "$_xtr_o"
		xt__block "$_xtr_s" err "$_xtr_e"
	fi
	if [ "$_xtr_to" = 1 ]; then
		_xtr_res=hung
	elif [ "$_xtr_rc" = 0 ]; then
		_xtr_res=ok
	else
		_xtr_res=failed
	fi
	_xtr_l="step=$_xtr_s event=end phase=$(xt__phase) result=$_xtr_res rc=$_xtr_rc dur=$_xtr_d timeout=$_xtr_t"
	if [ "$_xtr_res" = ok ]; then
		xt__emit info "$_xtr_l"
	else
		_xtr_src=$_xtr_e
		[ -s "$_xtr_src" ] || _xtr_src=$_xtr_o
		_xtr_n=$(xt__num "${XTRIAGE_ERRLINES:-}" 5)
		if [ -n "$_xtr_src" ]; then
			_xtr_x=$(tail -c 8192 "$_xtr_src" 2>/dev/null | tail -n "$_xtr_n" | xt__esc $((_xt_max - ${#_xtr_l} - 7)))
		else
			_xtr_x="(output not kept: no writable directory on the node)"
		fi
		xt__emit err "$_xtr_l err=\"$_xtr_x\""
	fi
	if [ -n "$_xtr_o" ]; then
		if [ "${XTRIAGE_ECHO:-1}" != 0 ]; then
			cat "$_xtr_o" 2>/dev/null || :
			cat "$_xtr_e" >&2 2>/dev/null || :
		fi
		rm -f "$_xtr_o" "$_xtr_e"
	fi
	xt__untmp
	XTRIAGE_LAST_RC=$_xtr_rc
	if [ "$_xtr_res" != ok ] && [ "${XTRIAGE_FAILFAST:-1}" != 0 ]; then
		xt__failfast "$_xtr_s" "$_xtr_rc" ""
	fi
	return "$_xtr_rc"
}

# True when STEP is forced: XTRIAGE_FORCE=1, or a list (spaces or commas) naming it.
xt__forced() { # STEP
	case ",${XTRIAGE_FORCE:-}," in ,1, | ,all, | *[,\ ]"$1"[,\ ]*) return 0 ;; esac
	return 1
}

# The key of a once-only step: a checksum of the command, its script's text when it is a
# file, and every variable that says what xCAT's package scripts install (OTHERPKG*, OSPKG*,
# and those named in XTRIAGE_ONCE_VARS).
xt__oncekey() { # CMD [ARG...]
	{
		printf '%s\n' "$*"
		[ -f "$1" ] && cat "$1" 2>/dev/null
		env | grep -E '^(OTHERPKG|OSPKG)' | sort
		IFS=' '
		for _xtq_v in ${XTRIAGE_ONCE_VARS:-}; do
			case $_xtq_v in *[!A-Za-z0-9_]* | '') continue ;; esac
			eval "printf '%s=%s\n' \"\$_xtq_v\" \"\${$_xtq_v:-}\""
		done
	} | xt__hash
}

# A checksum of stdin: md5sum, else cksum (busybox may have either), else a sum in awk.
xt__hash() {
	if command -v md5sum >/dev/null 2>&1; then
		md5sum | cut -c1-32
	elif command -v cksum >/dev/null 2>&1; then
		cksum | tr -d ' \t'
	else
		od -An -v -tu1 | awk '{ for (i = 1; i <= NF; i++) { h = (h * 31 + $i) % 2147483647; n++ } } END { printf "%d-%d\n", h, n }'
	fi
}

# Where stamps go: XTRIAGE_STAMPDIR, else statelite's persistent storage for this node, else
# /var/lib/xtriage/once (in the image, or on disk). xCAT's statelite initrd (xcatroot in every
# dracut module, genimage's init) mounts STATEMNT/NODE, the node's own directory, on
# /.statelite/persistent itself: that mount is the node's storage. xCAT's docs call it
# /.statelite/persistent/NODE (the server's view); that directory is used when it exists and
# the mount is not already the node's own (XTRIAGE_STATELITE: /.statelite, for tests).
xt__stampdir() {
	if [ -n "${XTRIAGE_STAMPDIR:-}" ]; then
		echo "$XTRIAGE_STAMPDIR"
		return 0
	fi
	_xtq_sl=${XTRIAGE_STATELITE:-/.statelite}
	_xtq_sl=${_xtq_sl%/}/persistent
	_xtq_src=$(awk -v p="$_xtq_sl" '$2 == p { s = $1 } END { print s }' "${XTRIAGE_MOUNTS:-/proc/self/mounts}" 2>/dev/null)
	_xtq_own=
	if [ -n "$_xtq_src" ] && [ -n "${NODE:-}" ]; then
		case $_xtq_src in */"$NODE" | */"$NODE"/) _xtq_own=1 ;; esac
	fi
	if [ -z "$_xtq_own" ] && [ -n "${NODE:-}" ] && [ -d "$_xtq_sl/$NODE" ]; then
		echo "$_xtq_sl/$NODE/var/lib/xtriage/once"
	elif [ -n "$_xtq_src" ]; then
		echo "$_xtq_sl/var/lib/xtriage/once"
	else
		echo "$_xt_root/var/lib/xtriage/once"
	fi
}

# xt_log with step= set to the once-only step's name.
xt__steplog() { # LEVEL MSG
	_xtq_prev=${XTRIAGE_STEP:-}
	XTRIAGE_STEP=$_xtq_s
	xt_log "$1" "$2"
	XTRIAGE_STEP=$_xtq_prev
}

# xt_once STEP TIMEOUT CMD [ARG...]: xt_run, but on a boot (phase postboot, not updatenode)
# the step is skipped, with a line saying so, when the same inputs were already applied (its
# stamp holds the same key). updatenode (UPDATENODE=1, e.g. `updatenode cn01 -P otherpkgs`)
# and XTRIAGE_FORCE (1 or a list of step names) run it anyway, and the line says it was
# forced. A success writes the stamp; a failure removes it.
xt_once() {
	xt__ensure
	if [ $# -lt 3 ]; then
		xt_log err "xt_once needs STEP TIMEOUT CMD [ARG...], got: $*"
		return 2
	fi
	_xtq_s=$(xt__name "$1")
	_xtq_t=$2
	shift 2
	_xtq_k=$(xt__oncekey "$@")
	_xtq_d=$(xt__stampdir)
	_xtq_f=$_xtq_d/$_xtq_s
	_xtq_why=
	if xt__forced "$_xtq_s"; then
		_xtq_why="forced by XTRIAGE_FORCE=$XTRIAGE_FORCE"
	elif xt__updatenode; then
		_xtq_why="forced by updatenode"
	elif [ "$(xt__phase)" != postboot ]; then
		_xtq_why="an install runs it"
	elif [ -f "$_xtq_f" ] && IFS= read -r _xtq_old <"$_xtq_f" && [ "$_xtq_old" = "$_xtq_k" ]; then
		xt_stopped && return 125
		xt__steplog notice "once-only step skipped: the same inputs were already applied (stamp $_xtq_f, key $_xtq_k); XTRIAGE_FORCE=$_xtq_s or updatenode -P $_xtq_s runs it"
		return 0
	else
		_xtq_why="not applied yet with these inputs (key $_xtq_k)"
	fi
	xt_stopped || xt__steplog info "once-only step runs: $_xtq_why"
	_xtq_rc=0
	xt_run "$_xtq_s" "$_xtq_t" "$@" || _xtq_rc=$?
	if [ "$_xtq_rc" = 0 ]; then
		if mkdir -p "$_xtq_d" 2>/dev/null && { printf '%s\n' "$_xtq_k" >|"$_xtq_f"; } 2>/dev/null; then :; else
			xt__local WARNING "step=$_xtq_s: cannot write its stamp $_xtq_f: it will run again at the next boot"
		fi
	else
		rm -f "$_xtq_f" 2>/dev/null
	fi
	return "$_xtq_rc"
}

xt_log() {
	xt__ensure
	_xtl_v=$(xt__level "${1:-info}")
	[ $# -gt 0 ] && shift
	_xtl_l="step=${XTRIAGE_STEP:--} event=log phase=$(xt__phase) level=$_xtl_v"
	_xtl_m=$(printf '%s\n' "$*" | xt__esc $((_xt_max - ${#_xtl_l} - 7)))
	xt__emit "$_xtl_v" "$_xtl_l msg=\"$_xtl_m\""
	return 0
}

xt_fail() {
	xt__ensure
	xt__local ERR "fail: $*"
	xt_stopped && return 1
	_xtfl_rc=${XTRIAGE_LAST_RC:-1}
	[ "$_xtfl_rc" != 0 ] || _xtfl_rc=1
	xt__failfast "${XTRIAGE_STEP:-${XTRIAGE_LAST_STEP:--}}" "$_xtfl_rc" "$*"
	return 1
}

# bash only: one command over /dev/tcp, printing what xcatd answers.
xt__xcatd_devtcp() { # IP PORT COMMAND
	# shellcheck disable=SC3025 # called only when BASH_VERSION is set
	exec 3<>"/dev/tcp/$1/$2" || return 1
	IFS= read -r _xtx_a <&3 && printf '%s\n' "$_xtx_a"
	printf '%s\n' "$3" >&3
	IFS= read -r _xtx_a <&3 && printf '%s\n' "$_xtx_a"
	exec 3<&- 3>&-
}

# nc: keep stdin open until xcatd answered (some nc quit at end of input), at most ~5 s, or
# until nc is gone (a refused port): nc's side appends a mark to OUTFILE when it exits.
# shellcheck disable=SC2094 # the loop reads what nc writes, on purpose
xt__xcatd_nc() { # IP PORT COMMAND OUTFILE
	{
		printf '%s\n' "$3"
		_xtx_i=0
		while [ "$_xtx_i" -lt 50 ]; do
			grep -q -e '^done' -e '^#nc-exit' "$4" 2>/dev/null && break
			sleep 0.1 2>/dev/null || sleep 1
			_xtx_i=$((_xtx_i + 1))
		done
	} | {
		nc -w "$_xt_nett" "$1" "$2" >>"$4" 2>&1
		echo '#nc-exit' >>"$4"
	}
}

# nc without a file for the answer: stdin held open 2 s (inside the timed step: see
# xt__send_pipe), the answer on stdout.
xt__xcatd_pipe() { # IP PORT COMMAND
	{
		printf '%s\n' "$3"
		sleep 2
	} | nc -w "$_xt_nett" "$1" "$2"
}

xt_xcatd() {
	xt__ensure
	_xtx_c=$*
	if [ -z "${XTRIAGE_MN:-}" ]; then
		xt__local WARNING "xcatd: no MN IP, '$_xtx_c' not sent"
		return 1
	fi
	_xtx_o=
	if xt__tmp && { printf '' >|"$_xt_tmpdir/xcatd"; } 2>/dev/null; then
		_xtx_o=$_xt_tmpdir/xcatd
	fi
	_xtx_k=$(xt__num "${XTRIAGE_XCATD_TRIES:-}" 2)
	_xtx_r=1 _xtx_a=
	while [ "$_xtx_k" -gt 0 ]; do
		if [ -n "${BASH_VERSION:-}" ]; then
			_xtx_a=$(xt__timed "$_xt_nett" /dev/null xt__xcatd_devtcp "$XTRIAGE_MN" "$_xt_iport" "$_xtx_c" 2>&1)
		elif ! command -v nc >/dev/null 2>&1; then
			_xtx_a="no TCP client (bash /dev/tcp or nc)"
		elif [ -n "$_xtx_o" ]; then
			{ printf '' >|"$_xtx_o"; } 2>/dev/null
			xt__timed "$_xt_nett" /dev/null xt__xcatd_nc "$XTRIAGE_MN" "$_xt_iport" "$_xtx_c" "$_xtx_o" || :
			_xtx_a=$(grep -v '^#nc-exit' "$_xtx_o" 2>/dev/null)
		else
			# No file for the answer: hold stdin open 2 s and read what comes back.
			_xtx_a=$(xt__timed "$_xt_nett" /dev/null xt__xcatd_pipe "$XTRIAGE_MN" "$_xt_iport" "$_xtx_c" 2>&1)
		fi
		case "
$_xtx_a" in
		*"
done"*)
			_xtx_r=0
			break
			;;
		esac
		_xtx_k=$((_xtx_k - 1))
		if [ "$_xtx_k" -gt 0 ]; then sleep 2; fi
	done
	_xtx_a=$(printf '%s' "$_xtx_a" | tr '\r\n' '  ' | cut -c1-200)
	if [ "$_xtx_r" = 0 ]; then
		xt__local INFO "xcatd $XTRIAGE_MN:$_xt_iport: sent '$_xtx_c', answer: $_xtx_a"
	else
		xt__local ERR "xcatd $XTRIAGE_MN:$_xt_iport: '$_xtx_c' got no done (answer: ${_xtx_a:-none})"
	fi
	[ -n "$_xtx_o" ] && rm -f "$_xtx_o"
	xt__untmp
	return "$_xtx_r"
}

xt_halt() {
	xt__ensure
	[ "${XTRIAGE_HALT:-1}" = 0 ] && return 0
	xt__local CRIT "halting here (installer): the node stays in this state; see this log and the MN"
	while :; do sleep 3600; done
}
