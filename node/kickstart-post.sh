# shellcheck shell=sh
# kickstart-post.sh: xCAT's %post for RHEL 8/9/10 (post.xcat.ng), rewritten on xtriage.sh so
# that each part is a step with a timeout, its output and exit status kept in
# /var/log/xtriage/node.log of the installed system, one line per step start and end on the
# MN, and a failure stops the install at once with status `failed` and its reason.
#
# Steps (names as they appear on the MN):
#   ps-download      recursive download of INSTALLDIR/postscripts/ from MASTER_IP into
#                    /xcatpost (curl, else wget); a 403 or 404 fails with the URL and status
#   ps-mypostscript  the precreated mypostscript.NODE over HTTP (a 404 is normal), else
#                    getpostscript.awk (port 3001); empty or without MASTER= fails, with why
#   mypostscript     runs the install-time postscripts; each one is a step of its own (named
#                    after the script, timeout XTRIAGE_PS_TIMEOUT, 1800 s)
#   xcatd-next       tells xcatd `next` on port 3002 by IP, so the node boots from disk; if
#                    xcatd never answers, the node would reinstall in a loop: it fails instead
# Files written as post.xcat.ng does: /opt/xcat/xcatinfo, /xcatpost/mypostscript(.post),
# xcatpostinit1.service, /opt/xcat/xcatpostinit1, xcatinstallpost, xcatdsklspost. The
# generated run_ps uses the library too, so postbootscripts at first boot are steps as well.
# xCAT's own progress lines (Executing post.xcat..., postscripts downloaded successfully,
# Running postscript: X, postscript X return with N, finished firstboot preparation...) are
# still sent, so xcatprobe and existing log habits keep working.
#
# On a failure (fail-fast): xcatd gets `installstatus failed`, the MN gets the failfast line,
# and the installer stays here (xt_halt, XTRIAGE_HALT=0 to return instead) so the node is
# `failed`, not rebooting into a reinstall loop. Download and mypostscript failures stop the
# install even with XTRIAGE_FAILFAST=0 (nothing useful can follow them, xCAT halts too).
#
# Use: in the osimage template, in place of xCAT's post.xcat.ng include (node/README.md).
# xCAT's template engine replaces its directives everywhere in this file, comments too: the
# only ones here are the lines marked "template:"; they stay comments or plain strings when
# the file is run as it is (tests: MASTER_IP, HTTPPORT, NODE, XCATIPORT in the environment,
# XTRIAGE_KS_PREFIX=DIR to write everything below DIR, XTRIAGE_LIB=path/to/xtriage.sh).
#
# Variables: XTRIAGE_KS_DL_TIMEOUT (1800), XTRIAGE_KS_GETPS_TIMEOUT (900),
# XTRIAGE_KS_RUN_TIMEOUT (7200), XTRIAGE_PS_TIMEOUT (1800), XTRIAGE_KS_MAXSLEEP (50: random
# start delay, spreads a cluster's downloads), XTRIAGE_KS_RETRY (curl --retry, 20),
# XTRIAGE_KS_GETPS_TRIES (10), XTRIAGE_KS_GETPS_SLEEP (10: plus 0-9 s), XTRIAGE_KS_NEXT_TRIES
# (11), and the library's (node/xtriage.sh).

# template: the library, inlined by xCAT from /install/postscripts/xtriage.sh
#INCLUDE:/install/postscripts/xtriage.sh#
# template: msgutil_r, as post.xcat.ng has it
#INCLUDE:#ENV:XCATROOT#/share/xcat/install/scripts/scriptlib#

if ! command -v xt_run >/dev/null 2>&1; then
	if [ -n "${XTRIAGE_LIB:-}" ] && [ -r "$XTRIAGE_LIB" ]; then
		# shellcheck source=/dev/null
		. "$XTRIAGE_LIB"
	else
		# Rendered without the library (INCLUDEBAD: /install/postscripts/xtriage.sh missing on
		# the MN): nothing can be reported, so hold the installer rather than reboot into a loop.
		echo "xtriage: the library is missing: copy node/xtriage.sh to /install/postscripts/xtriage.sh on the MN and run nodeset again; holding the installer here" >&2
		[ "${XTRIAGE_HALT:-1}" = 0 ] && exit 1
		while :; do sleep 3600; done
	fi
fi

# A template value, or $2 when xCAT did not fill it in (empty or still a directive).
xtks_v() {
	case $1 in
	'' | *'#'*) echo "$2" ;;
	*) echo "$1" ;;
	esac
}

# template: values from xCAT's tables, as in post.xcat.ng
MASTER_IP=$(xtks_v "${MASTER_IP:-#ENV:MASTER_IP#}" "")
MASTER=$(xtks_v "${MASTER:-#XCATVAR:XCATMASTER#}" "$MASTER_IP")
NODESTATUS=$(xtks_v "${NODESTATUS:-#XCATVAR:NODESTATUS#}" "")
XCATIPORT=$(xtks_v "${XCATIPORT:-#TABLE:site:key=xcatiport:value#}" 3002)
INSTALLDIR=$(xtks_v "${INSTALLDIR:-#TABLE:site:key=installdir:value#}" /install)
TFTPDIR=$(xtks_v "${TFTPDIR:-#TABLE:site:key=tftpdir:value#}" /tftpboot)
HTTPPORT=$(xtks_v "${HTTPPORT:-#TABLEBLANKOKAY:site:key=httpport:value#}" 80)
NODE=$(xtks_v "${NODE:-#TABLE:nodelist:THISNODE:node#}" "")
OSVER=$(xtks_v "${OSVER:-#TABLE:nodetype:THISNODE:os#}" "")
ARCH=$(xtks_v "${ARCH:-#TABLE:nodetype:THISNODE:arch#}" "")
CONSOLEPORT=$(xtks_v "${CONSOLEPORT:-#TABLEBLANKOKAY:nodehm:THISNODE:serialport#}" "")
case $TFTPDIR in /*) ;; *) TFTPDIR=/$TFTPDIR ;; esac
NODESTATUS=$(printf '%s' "$NODESTATUS" | tr -d "'\"" | tr '[:upper:]' '[:lower:]')
export MASTER_IP MASTER NODESTATUS XCATIPORT INSTALLDIR TFTPDIR HTTPPORT NODE OSVER ARCH CONSOLEPORT

# xCAT's classic line (tag xcat.deployment), when scriptlib is there.
xtks_say() { # LEVEL TEXT
	if command -v msgutil_r >/dev/null 2>&1; then
		msgutil_r "$MASTER_IP" "$1" "$2" "$_ks_root/var/log/xcat/xcat.log" "xcat.deployment" || :
	fi
	return 0
}

xtks_setinfo() { # KEY VALUE: one line of /opt/xcat/xcatinfo
	mkdir -p "$_ks_opt" && touch "$_ks_opt/xcatinfo" || return 1
	grep -v "^$1=" "$_ks_opt/xcatinfo" >"$_ks_opt/xcatinfo.new" || :
	echo "$1=$2" >>"$_ks_opt/xcatinfo.new" && mv "$_ks_opt/xcatinfo.new" "$_ks_opt/xcatinfo"
}

xtks_fetch() { # URL FILE: one GET; on failure says which URL
	case $_ks_get in
	curl) curl --fail --silent --show-error --retry "${XTRIAGE_KS_RETRY:-20}" --max-time 60 -o "$2" "$1" ;;
	*) wget -O "$2" "$1" ;; # no -T: busybox 1.35's wget crashes with it; the step has a timeout
	esac
	_ks_frc=$?
	if [ "$_ks_frc" -ne 0 ]; then
		rm -f "$2"
		echo "GET $1 failed ($_ks_get exit $_ks_frc)" >&2
	fi
	return "$_ks_frc"
}

xtks_client() {
	if command -v curl >/dev/null 2>&1; then
		_ks_get=curl
	elif command -v wget >/dev/null 2>&1; then
		_ks_get=wget
	else
		echo "neither curl nor wget is installed: cannot download postscripts (add curl to the osimage's pkglist)" >&2
		return 127
	fi
}

# The links of an Apache directory index: files, and sub-directories ending in /.
xtks_links() {
	awk -F'<a href="' '{ for (i = 2; i <= NF; i++) { h = $i; sub(/".*/, "", h); print h } }' "$1" |
		grep -v -e '^?' -e '^/' -e '://' -e '^\.' -e '^mailto:' -e '^$' | awk '!seen[$0]++'
}

xtks_download() { # URL DIR: the whole tree below URL (an Apache index) into DIR
	xtks_client || return
	_ks_q=${TMPDIR:-/tmp}/xtks.$$.queue
	printf '%s %s\n' "${1%/}" "${2%/}" >"$_ks_q"
	_ks_n=0
	while [ -s "$_ks_q" ]; do
		IFS=' ' read -r _ks_u _ks_d <"$_ks_q"
		sed '1d' "$_ks_q" >"$_ks_q.n" && mv "$_ks_q.n" "$_ks_q"
		mkdir -p "$_ks_d" || return 1
		xtks_fetch "$_ks_u/" "$_ks_q.index" || return 1
		xtks_links "$_ks_q.index" >"$_ks_q.links"
		while IFS= read -r _ks_f; do
			case $_ks_f in
			*/) printf '%s %s\n' "$_ks_u/${_ks_f%/}" "$_ks_d/${_ks_f%/}" >>"$_ks_q" ;;
			*)
				xtks_fetch "$_ks_u/$_ks_f" "$_ks_d/$_ks_f" || return 1
				_ks_n=$((_ks_n + 1))
				;;
			esac
		done <"$_ks_q.links"
	done
	rm -f "$_ks_q" "$_ks_q.index" "$_ks_q.links"
	echo "downloaded $_ks_n files from $1 into $2"
	[ "$_ks_n" -gt 0 ] || {
		echo "no file at all under $1: is $INSTALLDIR/postscripts empty on the MN?" >&2
		return 1
	}
}

xtks_unxml() {
	grep '<data>' | sed -e 's/<[^>]*>//g' | grep -v '^ *$' | sed -e 's/^ *//' |
		sed -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&amp;/\&/g'
}

xtks_get_mypostscript() {
	xtks_client || return
	_ks_m=$_ks_post/mypostscript
	rm -f "$_ks_m"
	if [ -n "$NODE" ] && xtks_fetch "$_ks_url$TFTPDIR/mypostscripts/mypostscript.$NODE" "$_ks_m.$NODE" 2>&1; then
		echo "precreated mypostscript.$NODE downloaded"
		mv "$_ks_m.$NODE" "$_ks_m"
	else
		echo "no precreated mypostscript.${NODE:-?} (normal when site.precreatemypostscripts is off): asking xcatd with getpostscript.awk"
		if [ ! -x "$_ks_post/getpostscript.awk" ]; then
			echo "$_ks_post/getpostscript.awk does not exist: it was not in $INSTALLDIR/postscripts on the MN" >&2
			return 1
		fi
		USEOPENSSLFORXCAT=1 XCATSERVER=$MASTER_IP:3001
		export USEOPENSSLFORXCAT XCATSERVER
		_ks_i=0
		_ks_tries=${XTRIAGE_KS_GETPS_TRIES:-10}
		while [ "$_ks_i" -lt "$_ks_tries" ]; do
			_ks_i=$((_ks_i + 1))
			"$_ks_post/getpostscript.awk" </dev/null | xtks_unxml >"$_ks_m"
			grep -q '^MASTER=' "$_ks_m" && break
			echo "getpostscript.awk try $_ks_i/$_ks_tries: no script list from $MASTER_IP:3001"
			if [ "$_ks_i" -lt "$_ks_tries" ]; then
				_ks_s=${XTRIAGE_KS_GETPS_SLEEP:-10}
				[ "$_ks_s" -gt 0 ] && _ks_s=$((_ks_s + $$ % 10))
				sleep "$_ks_s"
			fi
		done
	fi
	if [ ! -s "$_ks_m" ]; then
		if ! command -v openssl >/dev/null 2>&1; then
			echo "mypostscript is empty: openssl is not installed and getpostscript.awk needs it (add openssl to the osimage's pkglist)" >&2
		else
			echo "mypostscript is empty: xcatd at $MASTER_IP:3001 sent no script list for this node. On the MN, cluster.log says why (\"Received getpostscript from <this IP>, which couldn't be correlated to a node\": reverse DNS or domain of this node's IP); check with: xcatprobe osdeploy -n ${NODE:-<node>}" >&2
		fi
		return 1
	fi
	if ! grep -q '^MASTER=' "$_ks_m"; then
		echo "mypostscript has no MASTER= line, it is not a script list; it starts with: $(head -c 200 "$_ks_m")" >&2
		return 1
	fi
	_ks_ps=$(awk '/^#[[:space:]]*postscripts-start-here/{f=1;next} /^#[[:space:]]*postscripts-end-here/{f=0} f&&!/^[[:space:]]*(#|$)/{n++} END{print n+0}' "$_ks_m")
	_ks_pbs=$(awk '/^#[[:space:]]*postbootscripts-start-here/{f=1;next} /^#[[:space:]]*postbootscripts-end-here/{f=0} f&&!/^[[:space:]]*(#|$)/{n++} END{print n+0}' "$_ks_m")
	echo "mypostscript: $_ks_ps postscripts, $_ks_pbs postbootscripts"
}

# Prefixes the script lines of both lists with run_ps TYPE, as post.xcat.ng's sed does.
xtks_wrap() {
	awk '
	/^#[[:space:]]*postscripts-start-here/ { t = "postscript"; print; next }
	/^#[[:space:]]*postbootscripts-start-here/ { t = "postbootscript"; print; next }
	/^#[[:space:]]*post(boot)?scripts-end-here/ { t = ""; print; next }
	t != "" && !/^[[:space:]]*(#|$)/ { print "run_ps " t " " $0; next }
	{ print }' "$1"
}

xtks_drop() { # LIST FILE: the file without that list (postscripts or postbootscripts)
	awk -v l="$1" '
	$0 ~ "^#[[:space:]]*" l "-start-here" { skip = 1; next }
	$0 ~ "^#[[:space:]]*" l "-end-here" { skip = 0; next }
	!skip { print }' "$2"
}

xtks_header() {
	if [ -x /bin/bash ]; then echo '#!/bin/bash'; else echo '#!/bin/sh'; fi
	printf "XTKS_POST='%s'\n" "$_ks_post"
	cat <<'EOF'
# run_ps from xtriage's kickstart-post.sh: every postscript is an xtriage step
[ -f "$XTKS_POST/xcatlib.sh" ] && . "$XTKS_POST/xcatlib.sh"
command -v msgutil_r >/dev/null 2>&1 || msgutil_r() { :; }
[ -f "$XTKS_POST/xtriage.sh" ] && . "$XTKS_POST/xtriage.sh"
return_value=0
run_ps () {
    ret_local=0
    logfile=/var/log/xcat/xcat.log
    scriptype=${1:-postscript}
    shift
    log_label="xcat.deployment.$scriptype"
    if command -v xt_stopped >/dev/null 2>&1 && xt_stopped; then
        [ "$return_value" -ne 0 ] || return_value=1
        return 0
    fi
    if [ -f "$1" ]; then
        msgutil_r "$MASTER_IP" "info" "Running $scriptype: $1" "$logfile" "$log_label"
        if command -v xt_run >/dev/null 2>&1; then
            xt_run "$1" "${XTRIAGE_PS_TIMEOUT:-1800}" "./$@"
            ret_local=$?
        else
            "./$@" 2>&1
            ret_local=$?
        fi
        [ "$ret_local" -eq 0 ] || return_value=$ret_local
        msgutil_r "$MASTER_IP" "info" "$scriptype $1 return with $ret_local" "$logfile" "$log_label"
    else
        msgutil_r "$MASTER_IP" "error" "$scriptype $1 does NOT exist." "$logfile" "$log_label"
        return_value=-1
        if command -v xt_fail >/dev/null 2>&1 && [ "${XTRIAGE_FAILFAST:-1}" != 0 ]; then
            xt_fail "$scriptype $1 does NOT exist in /install/postscripts on the MN"
        fi
    fi
    return 0
}
EOF
}

xtks_generate() {
	_ks_m=$_ks_post/mypostscript
	xtks_wrap "$_ks_m" >"$_ks_m.wrapped" || return 1
	{
		xtks_header
		xtks_drop postbootscripts "$_ks_m.wrapped"
		cat <<EOF

# Save a bad return code to /opt/xcat/xcatinfo: first boot then ends as failed
if [ "\$return_value" -ne 0 ]; then
    grep -v '^POSTSCRIPTS_RC=' '$_ks_opt/xcatinfo' > '$_ks_opt/xcatinfo.new' 2>/dev/null
    echo 'POSTSCRIPTS_RC=1' >> '$_ks_opt/xcatinfo.new' && mv '$_ks_opt/xcatinfo.new' '$_ks_opt/xcatinfo'
    exit 1
fi
exit 0
EOF
	} >"$_ks_m.new" || return 1
	{
		xtks_header
		xtks_drop postscripts "$_ks_m.wrapped"
	} >"$_ks_m.post" || return 1
	mv "$_ks_m.new" "$_ks_m" && rm -f "$_ks_m.wrapped" || return 1
	chmod 0700 "$_ks_m" && chmod 0755 "$_ks_m.post"
}

# xCAT's first-boot machinery, exactly as post.xcat.ng installs it.
xtks_firstboot() {
	mkdir -p "$_ks_sys/multi-user.target.wants" "$_ks_opt" || return 1
	# template: xCAT's service file
	cat >"$_ks_sys/xcatpostinit1.service" <<'EOF'
#INCLUDE:/install/postscripts/xcatpostinit1.service#
EOF
	ln -sf /etc/systemd/system/xcatpostinit1.service "$_ks_sys/multi-user.target.wants/xcatpostinit1.service"
	# template: xCAT's xcatpostinit1
	cat >"$_ks_opt/xcatpostinit1" <<'EOF'
#INCLUDE:/install/postscripts/xcatpostinit1.install#
EOF
	chmod 0755 "$_ks_opt/xcatpostinit1"
	# template: xCAT's xcatinstallpost, with post.xcat.ng's tail
	cat >"$_ks_opt/xcatinstallpost" <<'EOF'
#INCLUDE:#TABLE:site:key=installdir:value#/postscripts/xcatinstallpost#

if [ -f /xcatpost/mypostscript.post ]
then
    RUNBOOTSCRIPTS=`grep 'RUNBOOTSCRIPTS=' /xcatpost/mypostscript.post | cut -d= -f2 | tr -d \'\" | tr A-Z a-z`
fi

if [[ ! "$RUNBOOTSCRIPTS" =~ ^(1|yes|y)$ ]] && [[ ! "$NODESTATUS" =~ ^(1|yes|y)$ ]]; then
    systemctl disable xcatpostinit1.service
fi

EOF
	chmod 0755 "$_ks_opt/xcatinstallpost"
	# template: xCAT's xcatdsklspost
	cat >"$_ks_opt/xcatdsklspost" <<'EOF'
#INCLUDE:#TABLE:site:key=installdir:value#/postscripts/xcatdsklspost#
EOF
	chmod 0755 "$_ks_opt/xcatdsklspost"
}

xtks_next() {
	_ks_k=${XTRIAGE_KS_NEXT_TRIES:-11}
	export XTRIAGE_XCATD_TRIES="$_ks_k"
	if xt_xcatd next; then
		echo "xcatd at $MASTER_IP:$XCATIPORT answered done to next: the node boots from disk now"
		return 0
	fi
	echo "xcatd at $MASTER_IP:$XCATIPORT did not answer done to 'next' ($_ks_k tries): this node would install again at its next boot. On the MN: is xcatd listening on $XCATIPORT, and does this node's IP resolve back to its name (cluster.log: 'received a connection request from unknown host')?" >&2
	return 1
}

xtks_main() {
	umask 0022
	_ks_root=${XTRIAGE_KS_PREFIX:-}
	_ks_root=${_ks_root%/}
	_ks_post=$_ks_root/xcatpost
	_ks_opt=$_ks_root/opt/xcat
	_ks_sys=$_ks_root/etc/systemd/system
	_ks_url=http://$MASTER_IP:$HTTPPORT
	mkdir -p "$_ks_root/var/log/xcat"
	XTRIAGE_PHASE=${XTRIAGE_PHASE:-post}
	export XTRIAGE_PHASE
	[ -n "${XTRIAGE_KS_PREFIX:-}" ] && [ -z "${XTRIAGE_LOG:-}" ] && XTRIAGE_LOG=$_ks_root/var/log/xtriage/node.log
	xt_init
	xt_log info "kickstart %post starting: MN $MASTER_IP, node ${NODE:-?}, $INSTALLDIR/postscripts over HTTP port $HTTPPORT"
	xtks_say info "Executing post.xcat to prepare for firstbooting ..."

	_ks_max=${XTRIAGE_KS_MAXSLEEP:-50}
	if [ "$_ks_max" -gt 0 ] 2>/dev/null; then
		_ks_r=$(od -An -N2 -tu2 /dev/urandom 2>/dev/null | tr -d ' ')
		sleep $((${_ks_r:-$$} % _ks_max))
	fi

	xtks_setinfo XCATSERVER "$MASTER_IP"
	xtks_setinfo INSTALLDIR "$INSTALLDIR"
	xtks_setinfo HTTPPORT "$HTTPPORT"

	xtks_say info "trying to download postscripts from $MASTER_IP..."
	if ! xt_run ps-download "${XTRIAGE_KS_DL_TIMEOUT:-1800}" xtks_download "$_ks_url$INSTALLDIR/postscripts/" "$_ks_post"; then
		xt_fail "cannot continue without the postscripts"
		return 1
	fi
	for _ks_f in "$_ks_post"/*; do
		case ${_ks_f##*/} in _xcat | _ssh | ca | hostkeys) continue ;; esac
		chmod -R +x "$_ks_f" 2>/dev/null
	done
	xtks_say info "postscripts downloaded successfully"

	xtks_say info "trying to get mypostscript from $MASTER_IP..."
	if ! xt_run ps-mypostscript "${XTRIAGE_KS_GETPS_TIMEOUT:-900}" xtks_get_mypostscript; then
		xt_fail "cannot continue without mypostscript"
		return 1
	fi
	if ! xtks_generate; then
		xt_fail "failed to generate $_ks_post/mypostscript"
		return 1
	fi
	xtks_firstboot || xt_log err "failed to install xCAT's first-boot service and scripts"

	# template: the repositories of the osimage
	#WRITEREPO#

	cd "$_ks_post" || return 1
	PATH=$PATH:$_ks_post
	export PATH
	_ks_rc=0
	xt_run mypostscript "${XTRIAGE_KS_RUN_TIMEOUT:-7200}" "$_ks_post/mypostscript" || _ks_rc=$?
	if [ "$_ks_rc" -ne 0 ] && xt_stopped; then
		cd / || :
		return "$_ks_rc"
	fi

	xtks_say info "finished firstboot preparation, sending request to $MASTER_IP:$XCATIPORT for changing status..."
	if ! xt_run xcatd-next 600 xtks_next; then
		xt_fail "xcatd did not take 'next': stopping here instead of reinstalling at the next boot"
		cd / || :
		return 1
	fi
	cd / || :
	return 0
}

if ! xtks_main; then
	xt_halt
	exit 1
fi
