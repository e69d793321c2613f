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
#       scripts started by a step share them.
#   xt_run STEP TIMEOUT CMD [ARG...]
#       Runs CMD (a program or a shell function) as step STEP with stdin from /dev/null,
#       capturing stdout and stderr (full text to the local log; echoed to this shell's
#       stdout/stderr afterwards unless XTRIAGE_ECHO=0). TIMEOUT in whole seconds, 0 = none.
#       On timeout the step's process group (a program is started with setsid, so it gets a
#       group of its own) and every process below it get SIGTERM, then SIGKILL after
#       XTRIAGE_KILL_GRACE seconds. Sends a start line and an end line to the MN.
#       Returns CMD's exit status; 124 when it was killed at its timeout; 125 without running
#       CMD when an earlier step already failed fast (see xt_stopped). A failed or hung step
#       fails fast unless XTRIAGE_FAILFAST=0.
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
# FAIL-FAST (a failed or hung step, or xt_fail)
#   1. xcatd is told `installstatus failed` on TCP 3002 (skipped when NODESTATUS is 0/n/no,
#      as xCAT does), 2. the failfast line goes to the MN, 3. the chain stops: the stop file
#      (XTRIAGE_STOPFILE, inherited by child scripts) makes every later xt_run return 125.
#      A script stops by testing xt_run's status (`|| exit $?`) or with `set -e`.
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
# XTRIAGE_NET_TIMEOUT (5 s). XTRIAGE_VIA=logger|devudp|nc-udp|nc-tcp|none forces one.
#
# LOCAL LOG: XTRIAGE_LOG, else ROOT/var/log/xtriage/node.log where ROOT is XTRIAGE_ROOT, else
# the installed system seen from the installer (ANA_INSTALL_PATH, /mnt/sysimage, /target),
# else /; in a chrooted %post that is the installed system, so it survives the reboot. If it
# cannot be written: TMPDIR/xtriage-node.log. It gets every line above, the full output of
# every step, and what could not be sent. A fail-fast leaves the empty marker
# TMPDIR/xtriage.PID.stop (PID of the script that first called xt_init).
#
# OTHER VARIABLES: XTRIAGE_FAILFAST (1), XTRIAGE_KILL_GRACE (5), XTRIAGE_ERRLINES (5),
# XTRIAGE_ECHO (1), XTRIAGE_HALT (1), XTRIAGE_XCATD_TRIES (2), TMPDIR (/tmp).

xt__now_cs() {
	_xtc_u=
	if [ -r /proc/uptime ] && read -r _xtc_u _xtc_x </proc/uptime; then
		case $_xtc_u in
		*.*) _xtc_i=${_xtc_u%%.*} _xtc_f=${_xtc_u#*.} ;;
		*) _xtc_i=$_xtc_u _xtc_f=00 ;;
		esac
		_xtc_f=$(printf '%.2s' "${_xtc_f}00")
		_xtc_f=${_xtc_f#0}
		echo $((_xtc_i * 100 + _xtc_f))
	else
		echo $(($(date +%s) * 100))
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

# Appends one line to the local log: TIME xtriage[PID]: SEVERITY TEXT
xt__local() {
	printf '%s xtriage[%s]: %s %s\n' "$(xt__ts)" "$$" "$1" "$2" >>"${XTRIAGE_LOG:-/dev/null}" 2>/dev/null || :
}

# Escapes stdin for a quoted value of at most $1 bytes, keeping the end (see header).
xt__esc() {
	tr -d '\000' | LC_ALL=C awk -v max="$1" '
	BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }
	{ line[NR] = $0 }
	END {
		n = NR
		while (n > 0 && line[n] == "") n--
		k = 0
		for (r = 1; r <= n; r++) {
			if (r > 1) tok[++k] = "\\n"
			s = line[r]
			len = length(s)
			for (i = 1; i <= len; i++) {
				c = substr(s, i, 1)
				o = ord[c]
				if (c == "\\") t = "\\\\"
				else if (c == "\"") t = "\\\""
				else if (o == 9) t = "\\t"
				else if (o == 13) t = "\\r"
				else if (o >= 32 && o < 127) t = c
				else t = sprintf("\\x%02x", o)
				tok[++k] = t
			}
		}
		total = 0
		for (j = 1; j <= k; j++) total += length(tok[j])
		first = 1
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
	if ! : >>"$XTRIAGE_LOG" 2>/dev/null; then
		_xt_badlog=$XTRIAGE_LOG
		XTRIAGE_LOG=${TMPDIR:-/tmp}/xtriage-node.log
		: >>"$XTRIAGE_LOG" 2>/dev/null || XTRIAGE_LOG=/dev/null
		xt__local WARNING "cannot write $_xt_badlog; logging here instead"
	fi
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
	_xt_tmpdir=${TMPDIR:-/tmp}/xtriage.$$
	_xt_seq=${_xt_seq:-0}
	_xt_sendfail=
	if [ -z "${XTRIAGE_STOPFILE:-}" ]; then
		XTRIAGE_STOPFILE=${TMPDIR:-/tmp}/xtriage.$$.stop
		rm -f "$XTRIAGE_STOPFILE"
	fi
	XTRIAGE_MN=$_xt_mn
	export XTRIAGE_MN XTRIAGE_LOG XTRIAGE_PHASE XTRIAGE_STOPFILE
	_xt_inited=1
	xt__local INFO "init: mn=${_xt_mn:--}${_xt_mn_from:+ (from $_xt_mn_from)} port=$_xt_port via=$_xt_chain phase=$(xt__phase) failfast=${XTRIAGE_FAILFAST:-1} xcatd-port=$_xt_iport shell=${BASH_VERSION:+bash }$0"
	if [ -z "$_xt_mn" ]; then
		if [ -n "$_xt_mn_name" ]; then
			xt__local WARNING "the MN is known only by the name '$_xt_mn_name' (from $_xt_mn_name_from); names are never resolved, so nothing is sent and lines stay in this log. Set MASTER_IP or XTRIAGE_MN to the MN's IP."
		else
			xt__local WARNING "no MN IP found (XTRIAGE_MN, MASTER_IP, XCATMASTER, MASTER, xcatinfo, kernel command line); lines stay in this log"
		fi
	fi
	return 0
}

xt__ensure() {
	[ -n "${_xt_inited:-}" ] || xt_init
}

xt__tmp() {
	[ -d "$_xt_tmpdir" ] || mkdir -p "$_xt_tmpdir" 2>/dev/null || :
	chmod 700 "$_xt_tmpdir" 2>/dev/null || :
}

xt__untmp() {
	rmdir "$_xt_tmpdir" 2>/dev/null || :
}

# Every descendant of PID (from /proc), space separated.
xt__descendants() {
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

# Runs in the background: after SECS, SIGTERM the step (group and tree), SIGKILL after the grace.
xt__watchdog() { # PID SECS GROUP MARKFILE
	IFS=' 	
'
	_xtw_s=
	trap 'kill "$_xtw_s" 2>/dev/null; exit 0' TERM
	sleep "$2" &
	_xtw_s=$!
	wait "$_xtw_s" || :
	trap '' TERM
	kill -0 "$1" 2>/dev/null || exit 0
	: >"$4"
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
	exit 0
}

# xt__timed SECS INFILE CMD [ARG...]: runs CMD with stdin from INFILE and a deadline.
# Returns CMD's status, or 124 when the deadline killed it (then XT_TIMEDOUT=1).
xt__timed() {
	_xtt_t=$1 _xtt_in=$2
	shift 2
	_xtt_grp=0
	case $- in *m*) _xtt_grp=1 ;; esac
	if [ "$_xtt_grp" = 0 ] && [ -n "$_xt_setsid" ]; then
		case $(command -v "$1" 2>/dev/null) in
		*/*)
			_xtt_grp=1
			set -- "$_xt_setsid" "$@"
			;;
		esac
	fi
	"$@" <"$_xtt_in" &
	_xtt_p=$!
	_xtt_w=
	_xtt_mark=$_xt_tmpdir/timedout.$_xtt_p
	if [ "$_xtt_t" -gt 0 ]; then
		xt__tmp
		rm -f "$_xtt_mark"
		xt__watchdog "$_xtt_p" "$_xtt_t" "$_xtt_grp" "$_xtt_mark" </dev/null >/dev/null 2>&1 &
		_xtt_w=$!
	fi
	_xtt_rc=0
	wait "$_xtt_p" 2>/dev/null || _xtt_rc=$?
	XT_TIMEDOUT=0
	if [ -n "$_xtt_w" ]; then
		[ -f "$_xtt_mark" ] || kill -TERM "$_xtt_w" 2>/dev/null || :
		wait "$_xtt_w" 2>/dev/null || :
		if [ -f "$_xtt_mark" ]; then
			XT_TIMEDOUT=1 _xtt_rc=124
			rm -f "$_xtt_mark"
		fi
	fi
	return "$_xtt_rc"
}

xt__dgram() { # LEVEL MSG
	printf '<%s>1 %s %s xtriage - - - %s' "$(xt__pri "$1")" \
		"$(date -u '+%Y-%m-%dT%H:%M:%SZ' 2>/dev/null || echo -)" "$_xt_host" "$2"
}

xt__send1() { # METHOD LEVEL MSG
	_xts_f=$_xt_tmpdir/send
	case $1 in
	logger)
		xt__timed "$_xt_nett" /dev/null logger -n "$XTRIAGE_MN" -P "$_xt_port" -t xtriage -p "local4.$2" "$3" >/dev/null 2>&1
		;;
	devudp)
		[ -n "${BASH_VERSION:-}" ] || return 1
		# shellcheck disable=SC3025 # bash only, guarded above
		xt__dgram "$2" "$3" 2>/dev/null >"/dev/udp/$XTRIAGE_MN/$_xt_port"
		;;
	nc-udp)
		xt__tmp
		xt__dgram "$2" "$3" >"$_xts_f" || return 1
		# shellcheck disable=SC2086
		xt__timed "$_xt_nett" "$_xts_f" nc -u $_xt_ncq -w 1 "$XTRIAGE_MN" "$_xt_port" >/dev/null 2>&1
		;;
	nc-tcp)
		xt__tmp
		{ xt__dgram "$2" "$3" && echo; } >"$_xts_f" || return 1
		# shellcheck disable=SC2086
		xt__timed "$_xt_nett" "$_xts_f" nc $_xt_ncq -w "$_xt_nett" "$XTRIAGE_MN" "$_xt_port" >/dev/null 2>&1
		;;
	*) return 1 ;;
	esac
}

xt__send() { # LEVEL MSG
	[ -n "${XTRIAGE_MN:-}" ] || return 0
	for _xts_m in $_xt_chain; do
		if xt__send1 "$_xts_m" "$1" "$2"; then
			rm -f "$_xt_tmpdir/send"
			xt__untmp
			return 0
		fi
	done
	rm -f "$_xt_tmpdir/send"
	xt__untmp
	if [ -z "$_xt_sendfail" ]; then
		_xt_sendfail=1
		xt__local WARNING "could not send to $XTRIAGE_MN port $_xt_port (tried: $_xt_chain); lines stay in this log"
	fi
	return 0
}

xt__emit() { # LEVEL MSG: local log and MN
	xt__local "$(xt__sevword "$1")" "$2"
	xt__send "$1" "$2"
}

xt__block() { # STEP STREAM FILE: a step's output, in full, into the local log
	[ -s "$3" ] || return 0
	{
		printf '%s xtriage[%s]: INFO step=%s %s follows (%s bytes)\n' "$(xt__ts)" "$$" "$1" "$2" "$(wc -c <"$3" | tr -d ' ')"
		sed "s/^/  $2| /" "$3"
		[ "$(tail -c 1 "$3" | wc -l | tr -d ' ')" = 1 ] || echo
	} >>"$XTRIAGE_LOG" 2>/dev/null || :
}

xt__failfast() { # STEP RC MESSAGE
	[ -n "${XTRIAGE_STOPFILE:-}" ] || return 0
	[ -f "$XTRIAGE_STOPFILE" ] && return 0
	: >"$XTRIAGE_STOPFILE" 2>/dev/null || :
	_xtf_x=off
	case ${NODESTATUS:-} in
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
	[ -n "${XTRIAGE_STOPFILE:-}" ] && [ -f "$XTRIAGE_STOPFILE" ]
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
	xt__tmp
	_xt_seq=$((_xt_seq + 1))
	_xtr_o=$_xt_tmpdir/$_xt_seq.out _xtr_e=$_xt_tmpdir/$_xt_seq.err
	_xtr_prev=${XTRIAGE_STEP:-}
	XTRIAGE_STEP=$_xtr_s
	export XTRIAGE_STEP
	_xtr_t0=$(xt__now_cs)
	_xtr_rc=0
	xt__timed "$_xtr_t" /dev/null "$@" >"$_xtr_o" 2>"$_xtr_e" || _xtr_rc=$?
	_xtr_to=$XT_TIMEDOUT
	_xtr_t1=$(xt__now_cs)
	XTRIAGE_STEP=$_xtr_prev
	_xtr_cs=$((_xtr_t1 - _xtr_t0))
	[ "$_xtr_cs" -ge 0 ] || _xtr_cs=0
	_xtr_d=$((_xtr_cs / 100)).$(printf '%02d' $((_xtr_cs % 100)))s
	xt__block "$_xtr_s" out "$_xtr_o"
	xt__block "$_xtr_s" err "$_xtr_e"
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
		_xtr_x=$(tail -c 8192 "$_xtr_src" 2>/dev/null | tail -n "$_xtr_n" | xt__esc $((_xt_max - ${#_xtr_l} - 7)))
		xt__emit err "$_xtr_l err=\"$_xtr_x\""
	fi
	if [ "${XTRIAGE_ECHO:-1}" != 0 ]; then
		cat "$_xtr_o" 2>/dev/null || :
		cat "$_xtr_e" >&2 2>/dev/null || :
	fi
	rm -f "$_xtr_o" "$_xtr_e"
	xt__untmp
	XTRIAGE_LAST_RC=$_xtr_rc
	if [ "$_xtr_res" != ok ] && [ "${XTRIAGE_FAILFAST:-1}" != 0 ]; then
		xt__failfast "$_xtr_s" "$_xtr_rc" ""
	fi
	return "$_xtr_rc"
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

# nc: keep stdin open until xcatd answered (some nc quit at end of input), at most ~5 s.
# shellcheck disable=SC2094 # the loop reads what nc writes, on purpose
xt__xcatd_nc() { # IP PORT COMMAND OUTFILE
	{
		printf '%s\n' "$3"
		_xtx_i=0
		while [ "$_xtx_i" -lt 50 ]; do
			grep -q '^done' "$4" 2>/dev/null && break
			sleep 0.1 2>/dev/null || sleep 1
			_xtx_i=$((_xtx_i + 1))
		done
	} | nc -w "$_xt_nett" "$1" "$2" >"$4" 2>&1
}

xt_xcatd() {
	xt__ensure
	_xtx_c=$*
	if [ -z "${XTRIAGE_MN:-}" ]; then
		xt__local WARNING "xcatd: no MN IP, '$_xtx_c' not sent"
		return 1
	fi
	xt__tmp
	_xtx_o=$_xt_tmpdir/xcatd
	_xtx_k=$(xt__num "${XTRIAGE_XCATD_TRIES:-}" 2)
	_xtx_r=1
	while [ "$_xtx_k" -gt 0 ]; do
		: >"$_xtx_o"
		if [ -n "${BASH_VERSION:-}" ]; then
			xt__timed "$_xt_nett" /dev/null xt__xcatd_devtcp "$XTRIAGE_MN" "$_xt_iport" "$_xtx_c" >"$_xtx_o" 2>&1 || :
		elif command -v nc >/dev/null 2>&1; then
			xt__timed "$_xt_nett" /dev/null xt__xcatd_nc "$XTRIAGE_MN" "$_xt_iport" "$_xtx_c" "$_xtx_o" || :
		else
			echo "no TCP client (bash /dev/tcp or nc)" >"$_xtx_o"
		fi
		if grep -q '^done' "$_xtx_o" 2>/dev/null; then
			_xtx_r=0
			break
		fi
		_xtx_k=$((_xtx_k - 1))
		if [ "$_xtx_k" -gt 0 ]; then sleep 2; fi
	done
	_xtx_a=$(tr '\r\n' '  ' <"$_xtx_o" 2>/dev/null | cut -c1-200)
	if [ "$_xtx_r" = 0 ]; then
		xt__local INFO "xcatd $XTRIAGE_MN:$_xt_iport: sent '$_xtx_c', answer: $_xtx_a"
	else
		xt__local ERR "xcatd $XTRIAGE_MN:$_xt_iport: '$_xtx_c' got no done (answer: ${_xtx_a:-none})"
	fi
	rm -f "$_xtx_o"
	xt__untmp
	return "$_xtx_r"
}

xt_halt() {
	xt__ensure
	[ "${XTRIAGE_HALT:-1}" = 0 ] && return 0
	xt__local CRIT "halting here (installer): the node stays in this state; see this log and the MN"
	while :; do sleep 3600; done
}
