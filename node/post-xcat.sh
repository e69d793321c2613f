# shellcheck shell=sh
# post-xcat.sh: xCAT's post.xcat (the install-time part of RHEL 7 kickstart %post, SLES
# AutoYaST post-scripts and the Ubuntu preseed late_command's post.script), rebuilt on
# xtriage.sh: each phase is a step with a timeout, its output and exit status kept in
# /var/log/xtriage/node.log of the installed system, one line per step start and end on the
# MN by IP, and a failure stops the install at once with status `failed` and its reason.
#
# Steps (names as they appear on the MN), in post.xcat's order:
#   preflight         openssl and a downloader are there (post.xcat halts without them)
#   xcatinfo          /opt/xcat/xcatinfo: XCATSERVER, INSTALLDIR, HTTPPORT
#   ps-download       INSTALLDIR/postscripts/ into /xcatpost: GNU wget -r as post.xcat does
#                     (its log kept, the refused URLs in err), else curl or busybox wget
#                     walking the index; a 403 or 404 fails with the URL
#   ps-mypostscript   the precreated mypostscript.NODE (a 404 is normal), else
#                     getpostscript.awk (port 3001) with retries; empty or no MASTER= fails
#   mypostscript-gen  /xcatpost/mypostscript (postscripts) and mypostscript.post
#                     (postbootscripts of the first boot) with a run_ps on the library
#   firstboot-setup   xcatpostinit1 (systemd unit, or init script and rc links), xcatinstallpost,
#                     xcatdsklspost; fails without stopping the install (as post.xcat)
#   mypostscript      runs the postscripts; each one is a step of its own, named after the
#                     script (timeout XTRIAGE_PS_TIMEOUT, 1800 s)
#   boot-console      Ubuntu's grub console settings, RHEL/SLES grub.conf serial lines
#                     (does not stop the install either)
#   xcatd-next        `next` to xcatd (XCATIPORT, 3002) by IP, so the node boots from disk;
#                     no `done` fails (the node would reinstall in a loop)
# xCAT's own lines (Executing post.xcat..., postscripts downloaded successfully, <type> start..:
# X, <type> end...: X return with N, finished firstboot preparation...) are still sent when
# scriptlib's msgutil_r is there.
#
# On a failure (fail-fast): xcatd gets `installstatus failed`, the MN the failfast line, and
# the installer holds here (xt_halt; XTRIAGE_HALT=0 returns) as post.xcat's `sleep 36500d`
# does. preflight, ps-download, ps-mypostscript and mypostscript-gen stop the install even
# with XTRIAGE_FAILFAST=0 (post.xcat halts there too).
#
# Shells: post.xcat runs under bash on all three (anaconda's %post and AutoYaST's `shell`
# interpreter are /bin/sh = bash; Ubuntu's post.script starts with #!/bin/bash and runs in
# chroot /target, started by the late_command in d-i's busybox sh or subiquity's dash). This
# file is POSIX sh and also runs under dash and busybox sh; scriptlib (bash only) is read only
# under bash.
#
# Use: in the osimage template, in place of xCAT's post.xcat include (node/README.md). Only
# the lines marked "template:" hold xCAT template directives; run as it is (tests), the values
# come from the environment: MASTER_IP, HTTPPORT, NODE, XCATIPORT, OSVER, XTRIAGE_PX_PREFIX=DIR
# writes everything below DIR (and runs no chkconfig, update-rc.d, update-grub or service),
# XTRIAGE_LIB=path/to/xtriage.sh.
#
# Variables: XTRIAGE_PX_DL_TIMEOUT (1800), XTRIAGE_PX_GETPS_TIMEOUT (900),
# XTRIAGE_PX_RUN_TIMEOUT (7200), XTRIAGE_PS_TIMEOUT (1800), XTRIAGE_PX_MAXSLEEP (50: random
# start delay), XTRIAGE_PX_TRIES (20: wget -t, curl --retry), XTRIAGE_PX_GETPS_TRIES (10),
# XTRIAGE_PX_GETPS_SLEEP (10, plus 0-9 s), XTRIAGE_PX_NEXT_TRIES (11), XTRIAGE_PX_INIT
# (systemd or sysv: else systemd when `systemctl --version` works, as post.xcat decides),
# XTRIAGE_PX_SHELL (the interpreter of the generated mypostscript: /bin/bash, else /bin/sh),
# XTRIAGE_ONCE (the once-only postbootscripts, "otherpkgs ospkgs"), and the library's.

# template: the library, inlined by xCAT from /install/postscripts/xtriage.sh
#INCLUDE:/install/postscripts/xtriage.sh#

# scriptlib (msgutil_r) is bash: read it only under bash, so dash and busybox never parse it.
if [ -n "${BASH_VERSION:-}" ]; then
	eval "$(
		cat <<'XTPX_SCRIPTLIB'
# template: msgutil_r, as post.xcat has it
#INCLUDE:#ENV:XCATROOT#/share/xcat/install/scripts/scriptlib#
XTPX_SCRIPTLIB
	)" || :
fi

if ! command -v xt_run >/dev/null 2>&1; then
	if [ -n "${XTRIAGE_LIB:-}" ] && [ -r "$XTRIAGE_LIB" ]; then
		# shellcheck source=/dev/null
		. "$XTRIAGE_LIB"
	else
		echo "xtriage: the library is missing: copy node/xtriage.sh to /install/postscripts/xtriage.sh on the MN and run nodeset again; holding the installer here" >&2
		[ "${XTRIAGE_HALT:-1}" = 0 ] && exit 1
		while :; do sleep 3600; done
	fi
fi

# A template value, or $2 when xCAT did not fill it in (empty or still a directive).
xtpx_v() {
	case $1 in
	'' | *'#'*) echo "$2" ;;
	*) echo "$1" ;;
	esac
}

# template: values from xCAT's tables, as in post.xcat
MASTER_IP=$(xtpx_v "${MASTER_IP:-#ENV:MASTER_IP#}" "")
MASTER=$(xtpx_v "${MASTER:-#XCATVAR:XCATMASTER#}" "$MASTER_IP")
NODESTATUS=$(xtpx_v "${NODESTATUS:-#XCATVAR:NODESTATUS#}" "")
XCATIPORT=$(xtpx_v "${XCATIPORT:-#TABLE:site:key=xcatiport:value#}" 3002)
INSTALLDIR=$(xtpx_v "${INSTALLDIR:-#TABLE:site:key=installdir:value#}" /install)
TFTPDIR=$(xtpx_v "${TFTPDIR:-#TABLE:site:key=tftpdir:value#}" /tftpboot)
HTTPPORT=$(xtpx_v "${HTTPPORT:-#TABLEBLANKOKAY:site:key=httpport:value#}" 80)
XCATDEBUGMODE=$(xtpx_v "${XCATDEBUGMODE:-#TABLEBLANKOKAY:site:key=xcatdebugmode:value#}" "")
# template: the node's own values
NODE=$(xtpx_v "${NODE:-#TABLE:nodelist:THISNODE:node#}" "")
OSVER=$(xtpx_v "${OSVER:-#TABLE:nodetype:THISNODE:os#}" "")
ARCH=$(xtpx_v "${ARCH:-#TABLE:nodetype:THISNODE:arch#}" "")
CONSOLEPORT=$(xtpx_v "${CONSOLEPORT:-#TABLEBLANKOKAY:nodehm:THISNODE:serialport#}" "")
case $TFTPDIR in /*) ;; *) TFTPDIR=/$TFTPDIR ;; esac
NODESTATUS=$(printf '%s' "$NODESTATUS" | tr -d "'\"" | tr '[:upper:]' '[:lower:]')
export MASTER_IP MASTER NODESTATUS XCATIPORT INSTALLDIR TFTPDIR HTTPPORT XCATDEBUGMODE NODE OSVER ARCH CONSOLEPORT

# xCAT's classic line (xcat.deployment), when scriptlib's msgutil_r is there.
xtpx_say() { # LEVEL TEXT
	if command -v msgutil_r >/dev/null 2>&1; then
		msgutil_r "$MASTER_IP" "$1" "$2" "$_px_root/var/log/xcat/xcat.log" "xcat.deployment" || :
	fi
	return 0
}

# A command that changes the running system (chkconfig, update-rc.d, update-grub, service):
# not run under XTRIAGE_PX_PREFIX, where the "installed system" is a directory.
xtpx_sys() {
	if [ -n "$_px_root" ]; then
		echo "not run (XTRIAGE_PX_PREFIX is set): $*"
		return 0
	fi
	"$@"
}

xtpx_setinfo() { # KEY VALUE
	mkdir -p "$_px_opt" && touch "$_px_opt/xcatinfo" || return 1
	grep -v "^$1=" "$_px_opt/xcatinfo" >"$_px_opt/xcatinfo.new" || :
	echo "$1=$2" >>"$_px_opt/xcatinfo.new" && mv "$_px_opt/xcatinfo.new" "$_px_opt/xcatinfo"
}

xtpx_xcatinfo() {
	# A new install starts without an earlier one's failure (POSTSCRIPTS_RC, read at first boot).
	if grep -q '^POSTSCRIPTS_RC=' "$_px_opt/xcatinfo" 2>/dev/null; then
		grep -v '^POSTSCRIPTS_RC=' "$_px_opt/xcatinfo" >"$_px_opt/xcatinfo.new"
		mv "$_px_opt/xcatinfo.new" "$_px_opt/xcatinfo" && echo "dropped POSTSCRIPTS_RC of an earlier install"
	fi
	xtpx_setinfo XCATSERVER "$MASTER_IP" && xtpx_setinfo INSTALLDIR "$INSTALLDIR" &&
		xtpx_setinfo HTTPPORT "$HTTPPORT" || return 1
	echo "$_px_opt/xcatinfo: XCATSERVER=$MASTER_IP INSTALLDIR=$INSTALLDIR HTTPPORT=$HTTPPORT"
}

# Which client downloads: gnu-wget (post.xcat's recursive wget), curl, or wget (busybox).
xtpx_client() {
	if command -v wget >/dev/null 2>&1 && wget --version 2>/dev/null | grep -q 'GNU Wget'; then
		_px_get=gnu-wget
	elif command -v curl >/dev/null 2>&1; then
		_px_get=curl
	elif command -v wget >/dev/null 2>&1; then
		_px_get=wget
	else
		echo "neither wget nor curl is installed: cannot download postscripts (post.xcat needs /usr/bin/wget: add wget to the osimage's pkglist)" >&2
		return 127
	fi
}

xtpx_preflight() {
	_px_bad=0
	if ! command -v openssl >/dev/null 2>&1; then
		echo "openssl is not installed: getpostscript.awk and xCAT's postscripts need it (post.xcat halts here too): add openssl to the osimage's pkglist" >&2
		_px_bad=1
	fi
	xtpx_client || _px_bad=1
	[ "$_px_bad" = 0 ] || return 1
	echo "openssl: $(command -v openssl); downloads with $_px_get"
}

xtpx_fetch() { # URL FILE: one GET; on failure says which URL
	case $_px_get in
	gnu-wget) wget -nv -t "${XTRIAGE_PX_TRIES:-20}" -T 60 -O "$2" "$1" ;;
	curl) curl --fail --silent --show-error --retry "${XTRIAGE_PX_TRIES:-20}" --max-time 60 -o "$2" "$1" ;;
	*) wget -q -O "$2" "$1" ;; # busybox: no -T (1.35 crashes with it); the step has a timeout
	esac
	_px_frc=$?
	if [ "$_px_frc" -ne 0 ]; then
		rm -f "$2"
		echo "GET $1 failed ($_px_get exit $_px_frc)" >&2
	fi
	return "$_px_frc"
}

# post.xcat's download: GNU wget -r. Its whole log goes to stdout (node.log); what failed, one
# line per URL, to stderr (the step's err), since wget's last lines are only its totals.
xtpx_wget_r() { # URL DIR
	_px_cut=$(printf '%s\n' "$INSTALLDIR/postscripts" | tr -s '/' '\n' | grep -c .)
	_px_wl=${TMPDIR:-/tmp}/xtpx.$$.wget.log
	wget -nv -l inf -N -r --waitretry=10 --random-wait --retry-connrefused -e robots=off -nH \
		--cut-dirs="$_px_cut" --reject 'index.html*,post.xcat.ng,post.xcat.rhels10' --no-parent \
		-t "${XTRIAGE_PX_TRIES:-20}" -T 60 "$1" -P "$2" 2>"$_px_wl"
	_px_wrc=$?
	cat "$_px_wl" 2>/dev/null
	if [ "$_px_wrc" -ne 0 ]; then
		awk '/^[a-z]+:\/\/.*:$/ { u = substr($0, 1, length($0) - 1); next }
			/ERROR [0-9]+|failed: / { sub(/^[0-9-]+ [0-9:]+ /, ""); print "GET " (u == "" ? "?" : u) " failed: " $0 }' "$_px_wl" >&2
		echo "wget -r $1 failed (exit $_px_wrc; 8: the server refused a file)" >&2
	fi
	rm -f "$_px_wl"
	return "$_px_wrc"
}

# The links of an Apache directory index: files, and sub-directories ending in /.
xtpx_links() {
	awk -F'<a href="' '{ for (i = 2; i <= NF; i++) { h = $i; sub(/".*/, "", h); print h } }' "$1" |
		grep -v -e '^?' -e '^/' -e '://' -e '^\.' -e '^mailto:' -e '^$' -e '^index\.html' \
			-e '^post\.xcat\.ng$' -e '^post\.xcat\.rhels10$' | awk '!seen[$0]++'
}

xtpx_walk() { # URL DIR: the tree below URL (an Apache index) into DIR, file by file
	_px_q=${TMPDIR:-/tmp}/xtpx.$$.queue
	printf '%s %s\n' "${1%/}" "${2%/}" >"$_px_q"
	_px_n=0
	while [ -s "$_px_q" ]; do
		IFS=' ' read -r _px_u _px_d <"$_px_q"
		sed '1d' "$_px_q" >"$_px_q.n" && mv "$_px_q.n" "$_px_q"
		mkdir -p "$_px_d" || return 1
		xtpx_fetch "$_px_u/" "$_px_q.index" || return 1
		xtpx_links "$_px_q.index" >"$_px_q.links"
		while IFS= read -r _px_f; do
			case $_px_f in
			*/) printf '%s %s\n' "$_px_u/${_px_f%/}" "$_px_d/${_px_f%/}" >>"$_px_q" ;;
			*)
				xtpx_fetch "$_px_u/$_px_f" "$_px_d/$_px_f" || return 1
				_px_n=$((_px_n + 1))
				;;
			esac
		done <"$_px_q.links"
	done
	rm -f "$_px_q" "$_px_q.index" "$_px_q.links"
	echo "downloaded $_px_n files"
}

xtpx_download() { # URL DIR
	xtpx_client || return
	mkdir -p "$2" || return 1
	if [ "$_px_get" = gnu-wget ]; then
		xtpx_wget_r "$1" "$2" || return
	else
		xtpx_walk "$1" "$2" || return
	fi
	_px_n=$(find "$2" -type f 2>/dev/null | grep -c .)
	echo "$_px_n files in $2 from $1"
	if [ "$_px_n" -eq 0 ]; then
		echo "no file at all under $1: is $INSTALLDIR/postscripts empty on the MN?" >&2
		return 1
	fi
}

xtpx_unxml() {
	grep '<data>' | sed -e 's/<[^>]*>//g' | grep -v '^ *$' | sed -e 's/^ *//' |
		sed -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&amp;/\&/g'
}

xtpx_get_mypostscript() {
	xtpx_client || return
	_px_m=$_px_post/mypostscript
	rm -f "$_px_m"
	if [ -n "$NODE" ] && xtpx_fetch "$_px_url$TFTPDIR/mypostscripts/mypostscript.$NODE" "$_px_m.$NODE" 2>&1; then
		echo "precreated mypostscript.$NODE downloaded"
		mv "$_px_m.$NODE" "$_px_m"
	else
		echo "no precreated mypostscript.${NODE:-?} (normal when site.precreatemypostscripts is off): asking xcatd with getpostscript.awk"
		if [ ! -x "$_px_post/getpostscript.awk" ]; then
			echo "$_px_post/getpostscript.awk does not exist: it was not in $INSTALLDIR/postscripts on the MN" >&2
			return 1
		fi
		USEOPENSSLFORXCAT=1 XCATSERVER=$MASTER_IP:3001
		export USEOPENSSLFORXCAT XCATSERVER
		_px_i=0
		_px_tries=${XTRIAGE_PX_GETPS_TRIES:-10}
		while [ "$_px_i" -lt "$_px_tries" ]; do
			_px_i=$((_px_i + 1))
			"$_px_post/getpostscript.awk" </dev/null | xtpx_unxml >"$_px_m"
			grep -q '^MASTER=' "$_px_m" && break
			echo "getpostscript.awk try $_px_i/$_px_tries: no script list from $MASTER_IP:3001"
			if [ "$_px_i" -lt "$_px_tries" ]; then
				_px_s=${XTRIAGE_PX_GETPS_SLEEP:-10}
				[ "$_px_s" -gt 0 ] && _px_s=$((_px_s + $$ % 10))
				sleep "$_px_s"
			fi
		done
	fi
	if [ ! -s "$_px_m" ]; then
		echo "mypostscript is empty: xcatd at $MASTER_IP:3001 sent no script list for this node. On the MN, cluster.log says why (\"Received getpostscript from <this IP>, which couldn't be correlated to a node\": reverse DNS or domain of this node's IP); check with: xcatprobe osdeploy -n ${NODE:-<node>}" >&2
		return 1
	fi
	if ! grep -q '^MASTER=' "$_px_m"; then
		echo "mypostscript has no MASTER= line, it is not a script list; it starts with: $(head -c 200 "$_px_m")" >&2
		return 1
	fi
	for _px_l in postscripts postbootscripts; do
		printf '%s: %s\n' "$_px_l" "$(awk -v l="$_px_l" '$0 ~ "^#[[:space:]]*" l "-start-here" { f = 1; next }
			$0 ~ "^#[[:space:]]*" l "-end-here" { f = 0 }
			f && !/^[[:space:]]*(#|$)/ { printf "%s%s", s, $1; s = " " }' "$_px_m")"
	done
}

# The script lines of both lists prefixed with `run_ps TYPE`, as post.xcat's sed does.
xtpx_wrap() {
	awk '
	/^#[[:space:]]*postscripts-start-here/ { t = "postscript"; print; next }
	/^#[[:space:]]*postbootscripts-start-here/ { t = "postbootscript"; print; next }
	/^#[[:space:]]*post(boot)?scripts-end-here/ { t = ""; print; next }
	t != "" && !/^[[:space:]]*(#|$)/ { print "run_ps " t " " $0; next }
	{ print }' "$1"
}

xtpx_drop() { # LIST FILE: the file without that list (postscripts or postbootscripts)
	awk -v l="$1" '
	$0 ~ "^#[[:space:]]*" l "-start-here" { skip = 1; next }
	$0 ~ "^#[[:space:]]*" l "-end-here" { skip = 0; next }
	!skip { print }' "$2"
}

# The head of the generated mypostscript(.post): xCAT's xcatlib.sh, the library, a run_ps on
# it (each script a step; the once-only ones through xt_once) and `# subroutine end`, the line
# xcatdsklspost-hook.sh also looks for (it leaves a file that has this run_ps alone).
xtpx_header() {
	echo "#!$_px_sh"
	[ "$XCATDEBUGMODE" = 1 ] || [ "$XCATDEBUGMODE" = 2 ] && echo 'set -x'
	printf "XTPX_POST='%s'\n" "$_px_post"
	cat <<'EOF'
# xtriage run_ps (node/post-xcat.sh): every postscript is an xtriage step
[ -f "$XTPX_POST/xcatlib.sh" ] && . "$XTPX_POST/xcatlib.sh"
command -v msgutil_r >/dev/null 2>&1 || msgutil_r() { :; }
[ -f "${XTRIAGE_LIB:-$XTPX_POST/xtriage.sh}" ] && . "${XTRIAGE_LIB:-$XTPX_POST/xtriage.sh}"
return_value=0
run_ps () {
    ret_local=0
    scriptype=${1:-postscript}
    shift
    log_label="xcat.deployment.$scriptype"
    LOGLABEL=$log_label
    export LOGLABEL
    if command -v xt_stopped >/dev/null 2>&1 && xt_stopped; then
        [ "$return_value" -ne 0 ] || return_value=1
        return 0
    fi
    if [ -f "$1" ]; then
        msgutil_r "$MASTER_IP" "info" "$scriptype start..: $1" "/var/log/xcat/xcat.log" "$log_label"
        if ! command -v xt_run >/dev/null 2>&1; then
            "./$@" 2>&1
        else
            case " ${XTRIAGE_ONCE:-otherpkgs ospkgs} " in
            *" $1 "*) xt_once "$1" "${XTRIAGE_PS_TIMEOUT:-1800}" "./$@" ;;
            *) xt_run "$1" "${XTRIAGE_PS_TIMEOUT:-1800}" "./$@" ;;
            esac
        fi
        ret_local=$?
        [ "$ret_local" -eq 0 ] || return_value=$ret_local
        msgutil_r "$MASTER_IP" "info" "$scriptype end...: $1 return with $ret_local" "/var/log/xcat/xcat.log" "$log_label"
    else
        msgutil_r "$MASTER_IP" "error" "$scriptype $1 does NOT exist." "/var/log/xcat/xcat.log" "$log_label"
        return_value=-1
        if command -v xt_fail >/dev/null 2>&1 && [ "${XTRIAGE_FAILFAST:-1}" != 0 ]; then
            xt_fail "$scriptype $1 does NOT exist in /install/postscripts on the MN"
        fi
    fi
    return 0
}
# subroutine end
EOF
}

xtpx_generate() {
	_px_m=$_px_post/mypostscript
	xtpx_wrap "$_px_m" >"$_px_m.wrapped" || return 1
	{
		xtpx_header
		xtpx_drop postscripts "$_px_m.wrapped"
	} >"$_px_m.post" || return 1
	{
		xtpx_header
		xtpx_drop postbootscripts "$_px_m.wrapped"
		cat <<EOF

# A bad return code goes to /opt/xcat/xcatinfo (POSTSCRIPTS_RC=1), as post.xcat does
if [ "\$return_value" -ne 0 ]; then
    grep -v '^POSTSCRIPTS_RC=' '$_px_opt/xcatinfo' > '$_px_opt/xcatinfo.new' 2>/dev/null
    echo 'POSTSCRIPTS_RC=1' >> '$_px_opt/xcatinfo.new' && mv '$_px_opt/xcatinfo.new' '$_px_opt/xcatinfo'
    exit 1
fi
exit 0
EOF
	} >"$_px_m.new" || return 1
	mv "$_px_m.new" "$_px_m" && rm -f "$_px_m.wrapped" || return 1
	chmod 0700 "$_px_m" && chmod 0755 "$_px_m.post" || return 1
	echo "$_px_m: $(grep -c '^run_ps ' "$_px_m") postscripts; $_px_m.post: $(grep -c '^run_ps ' "$_px_m.post") postbootscripts (interpreter $_px_sh)"
}

xtpx_is_sle() {
	case $OSVER in sles10* | sles11*) return 1 ;; *sle*) return 0 ;; esac
	return 1
}

# xCAT's first-boot machinery, as post.xcat installs it: xcatpostinit1 runs xcatinstallpost at
# the first boot, which runs mypostscript.post (the postbootscripts).
xtpx_firstboot() {
	mkdir -p "$_px_opt" || return 1
	_px_init=${XTRIAGE_PX_INIT:-}
	if [ -z "$_px_init" ]; then
		if systemctl --version >/dev/null 2>&1; then _px_init=systemd; else _px_init=sysv; fi
	fi
	if [ "$_px_init" = systemd ]; then
		mkdir -p "$_px_root/etc/systemd/system/multi-user.target.wants" || return 1
		if xtpx_is_sle; then
			# template: xCAT's unit for SLE 12/15 (after YaST's second stage)
			cat >"$_px_root/etc/systemd/system/xcatpostinit1.service" <<'EOF'
#INCLUDE:/install/postscripts/xcatpostinit1.service.yast2#
EOF
			# template: xCAT's plain unit, kept for later
			cat >"$_px_opt/xcatpostinit1.service.sles" <<'EOF'
#INCLUDE:/install/postscripts/xcatpostinit1.service#
EOF
		else
			# template: xCAT's unit
			cat >"$_px_root/etc/systemd/system/xcatpostinit1.service" <<'EOF'
#INCLUDE:/install/postscripts/xcatpostinit1.service#
EOF
		fi
		ln -sf /etc/systemd/system/xcatpostinit1.service "$_px_root/etc/systemd/system/multi-user.target.wants/xcatpostinit1.service" || return 1
		_px_svc=$_px_opt/xcatpostinit1
	else
		mkdir -p "$_px_root/etc/init.d" || return 1
		_px_svc=$_px_root/etc/init.d/xcatpostinit1
	fi
	# template: xCAT's xcatpostinit1 (a systemd helper or an init script)
	cat >"$_px_svc" <<'EOF'
#INCLUDE:/install/postscripts/xcatpostinit1.install#
EOF
	chmod 0755 "$_px_svc" || return 1
	if [ "$_px_init" = sysv ]; then
		case $OSVER in
		ubuntu*)
			mkdir -p "$_px_root/etc/rc2.d" && ln -sf /etc/init.d/xcatpostinit1 "$_px_root/etc/rc2.d/S84xcatpostinit1"
			xtpx_sys update-rc.d xcatpostinit1 defaults
			;;
		*)
			for _px_l in 3 4 5; do
				mkdir -p "$_px_root/etc/rc.d/rc$_px_l.d" && ln -sf /etc/init.d/xcatpostinit1 "$_px_root/etc/rc.d/rc$_px_l.d/S84xcatpostinit1"
			done
			case $OSVER in
			sles10*) xtpx_sys /sbin/insserv xcatpostinit1 ;;
			*sle*) xtpx_sys /sbin/insserv -p /etc/init.d xcatpostinit1 ;;
			esac
			xtpx_sys chkconfig xcatpostinit1 on
			;;
		esac
	fi
	# xcatinstallpost: first turn xcatpostinit1 off unless site.runbootscripts or nodestatus
	# want it (so a postbootscript that reboots does not run them all again), then xCAT's.
	{
		cat <<'EOF'
#!/bin/bash
# xcatinstallpost, written by xtriage's post-xcat.sh
[ -f /xcatpost/xcatlib.sh ] && . /xcatpost/xcatlib.sh
if [ -f /xcatpost/mypostscript.post ]; then
    OSVER=`grep '^OSVER=' /xcatpost/mypostscript.post | cut -d= -f2 | tr -d \'\"`
    RUNBOOTSCRIPTS=`grep 'RUNBOOTSCRIPTS=' /xcatpost/mypostscript.post | cut -d= -f2 | tr -d \'\" | tr A-Z a-z`
    MASTER_IP=`grep '^MASTER_IP=' /xcatpost/mypostscript.post | cut -d= -f2 | tr -d \'\"`
fi
[ -f /xcatpost/mypostscript ] && NODESTATUS=`grep 'NODESTATUS=' /xcatpost/mypostscript | cut -d= -f2 | tr -d \'\" | tr A-Z a-z`
[ -n "$NODESTATUS" ] || NODESTATUS=1
case $RUNBOOTSCRIPTS in 1|y|yes) keep=1 ;; *) keep= ;; esac
case $OSVER in
ubuntu*) [ -n "$keep" ] || update-rc.d -f xcatpostinit1 remove ;;
*)
    case $NODESTATUS in 1|y|yes) keep=1 ;; esac
    if [ -z "$keep" ]; then
        if command -v systemctl >/dev/null 2>&1 && [ -f /etc/systemd/system/xcatpostinit1.service ]; then
            systemctl disable xcatpostinit1.service
        else
            chkconfig xcatpostinit1 off
        fi
    fi
    ;;
esac
EOF
		# template: xCAT's xcatinstallpost
		cat <<'EOF'
#INCLUDE:#TABLE:site:key=installdir:value#/postscripts/xcatinstallpost#
EOF
	} >"$_px_opt/xcatinstallpost" && chmod 0755 "$_px_opt/xcatinstallpost" || return 1
	# template: xCAT's xcatdsklspost
	cat >"$_px_opt/xcatdsklspost" <<'EOF'
#INCLUDE:#TABLE:site:key=installdir:value#/postscripts/xcatdsklspost#
EOF
	chmod 0755 "$_px_opt/xcatdsklspost" || return 1
	echo "xcatpostinit1 ($_px_init), $_px_opt/xcatinstallpost and $_px_opt/xcatdsklspost installed"
}

# The console settings post.xcat leaves to the boot loader.
xtpx_console() {
	case $OSVER in
	ubuntu*)
		if [ -r "$_px_root/boot/grub/menu.lst" ]; then
			sed -i -e 's/^serial/#serial/' -e 's/^terminal/#terminal/' "$_px_root/boot/grub/menu.lst"
		elif [ -f "$_px_root/etc/default/grub" ]; then
			sed -i -e '/GRUB_CMDLINE_LINUX_DEFAULT=/s/quiet//;s/splash//' -e '/#GRUB_TERMINAL=/s/#//' \
				-e 's/#GRUB_GFXMODE=.*/GRUB_GFXMODE=text/' "$_px_root/etc/default/grub" || return 1
			case $ARCH in
			*ppc64*)
				_px_c=hvc${CONSOLEPORT:-0}
				sed -i "s/GRUB_CMDLINE_LINUX_DEFAULT=.*/GRUB_CMDLINE_LINUX_DEFAULT=\"console=$_px_c\"/" "$_px_root/etc/default/grub"
				;;
			*x86_64*)
				_px_c=$(tr ' ' '\n' <"${XTRIAGE_CMDLINE:-/proc/cmdline}" 2>/dev/null | grep '^console=' | tr '\n' ' ')
				if [ -n "$_px_c" ] && ! grep -q "$_px_c" "$_px_root/boot/grub/grub.cfg" 2>/dev/null; then
					sed -i -e "/GRUB_CMDLINE_LINUX_DEFAULT=/s/=\"/=\" $_px_c/" "$_px_root/etc/default/grub"
				fi
				;;
			esac
			xtpx_sys update-grub || return 1
		fi
		[ -f "$_px_root/etc/hosts" ] && sed -i '/127.0.1.1/d' "$_px_root/etc/hosts"
		;;
	*)
		if [ -f "$_px_root/boot/grub/grub.conf" ]; then
			sed -i -e 's/^serial/#serial/' -e 's/^terminal/#terminal/' "$_px_root/boot/grub/grub.conf" || return 1
		fi
		;;
	esac
	echo "boot loader console settings done for ${OSVER:-?}/${ARCH:-?}"
}

xtpx_next() {
	_px_k=${XTRIAGE_PX_NEXT_TRIES:-11}
	XTRIAGE_XCATD_TRIES=$_px_k
	export XTRIAGE_XCATD_TRIES
	if xt_xcatd next; then
		echo "xcatd at $MASTER_IP:$XCATIPORT answered done to next: the node boots from disk now"
		return 0
	fi
	echo "xcatd at $MASTER_IP:$XCATIPORT did not answer done to 'next' ($_px_k tries): this node would install again at its next boot. On the MN: is xcatd listening on $XCATIPORT, and does this node's IP resolve back to its name (cluster.log: 'received a connection request from unknown host')?" >&2
	return 1
}

# A step that is reported but does not stop the install (post.xcat only logs these).
xtpx_soft() { # STEP TIMEOUT CMD...
	_px_ff=${XTRIAGE_FAILFAST:-1}
	XTRIAGE_FAILFAST=0
	xt_run "$@"
	_px_src=$?
	XTRIAGE_FAILFAST=$_px_ff
	return "$_px_src"
}

xtpx_main() {
	umask 0022
	_px_root=${XTRIAGE_PX_PREFIX:-}
	_px_root=${_px_root%/}
	_px_post=$_px_root/xcatpost
	_px_opt=$_px_root/opt/xcat
	_px_url=http://$MASTER_IP:$HTTPPORT
	_px_sh=${XTRIAGE_PX_SHELL:-}
	if [ -z "$_px_sh" ]; then
		if [ -x /bin/bash ]; then _px_sh=/bin/bash; else _px_sh=/bin/sh; fi
	fi
	mkdir -p "$_px_root/var/log/xcat"
	# The installer's phase whatever the kernel command line says (Ubuntu's d-i has no ks=).
	XTRIAGE_PHASE=${XTRIAGE_PHASE:-post}
	export XTRIAGE_PHASE
	if [ -n "$_px_root" ] && [ -z "${XTRIAGE_LOG:-}" ]; then
		XTRIAGE_LOG=$_px_root/var/log/xtriage/node.log
		export XTRIAGE_LOG
	fi
	xt_init
	xt_log info "post.xcat starting: MN $MASTER_IP, node ${NODE:-?}, os ${OSVER:-?}, $INSTALLDIR/postscripts over HTTP port $HTTPPORT, shell ${BASH_VERSION:+bash }$0"
	xtpx_say info "Executing post.xcat to prepare for firstbooting ..."

	_px_max=${XTRIAGE_PX_MAXSLEEP:-50}
	if [ "$_px_max" -gt 0 ] 2>/dev/null; then
		_px_r=$(od -An -N2 -tu2 /dev/urandom 2>/dev/null | tr -d ' ')
		sleep $((${_px_r:-$$} % _px_max))
	fi

	if ! xt_run preflight 60 xtpx_preflight; then
		xt_fail "post.xcat cannot go on without openssl and wget"
		return 1
	fi
	xtpx_soft xcatinfo 60 xtpx_xcatinfo

	xtpx_say info "trying to download postscripts from $MASTER_IP..."
	if ! xt_run ps-download "${XTRIAGE_PX_DL_TIMEOUT:-1800}" xtpx_download "$_px_url$INSTALLDIR/postscripts/" "$_px_post"; then
		xt_fail "cannot continue without the postscripts"
		return 1
	fi
	for _px_f in "$_px_post"/*; do
		case ${_px_f##*/} in _xcat | _ssh | ca | hostkeys) continue ;; esac
		chmod -R +x "$_px_f" 2>/dev/null
	done
	xtpx_say info "postscripts downloaded successfully"

	xtpx_say info "trying to get mypostscript from $MASTER_IP..."
	if ! xt_run ps-mypostscript "${XTRIAGE_PX_GETPS_TIMEOUT:-900}" xtpx_get_mypostscript; then
		xt_fail "cannot continue without mypostscript"
		return 1
	fi
	if ! xt_run mypostscript-gen 120 xtpx_generate; then
		xt_fail "failed to generate $_px_post/mypostscript"
		return 1
	fi
	xtpx_soft firstboot-setup 120 xtpx_firstboot

	# template: the repositories of the osimage
	#WRITEREPO#

	cd "$_px_post" || return 1
	PATH=$PATH:$_px_post
	export PATH
	_px_rc=0
	xt_run mypostscript "${XTRIAGE_PX_RUN_TIMEOUT:-7200}" "$_px_post/mypostscript" || _px_rc=$?
	if [ "$_px_rc" -ne 0 ] && xt_stopped; then
		cd / || :
		return "$_px_rc"
	fi
	xtpx_soft boot-console 300 xtpx_console

	xtpx_say info "finished firstboot preparation, sending request to $MASTER_IP:$XCATIPORT for changing status..."
	if ! xt_run xcatd-next 600 xtpx_next; then
		xt_fail "xcatd did not take 'next': stopping here instead of reinstalling at the next boot"
		cd / || :
		return 1
	fi
	cd / || :
	# SLE 12/15: YaST's second stage must run before xcatpostinit1 (xCAT issue 929).
	xtpx_is_sle && xtpx_sys service network stop
	return 0
}

if ! xtpx_main; then
	xt_halt
	exit 1
fi
