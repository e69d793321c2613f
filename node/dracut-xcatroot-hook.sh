#!/bin/sh
# shellcheck shell=sh
# dracut-xcatroot-hook.sh MODULEDIR [LIB]: makes the download of the root image in xCAT's
# dracut module (MODULEDIR: a copy of /opt/xcat/share/xcat/netboot/rh/dracut_033 or
# dracut_047) an xtriage step, phase initrd. It
#   - copies the library (LIB, default /install/postscripts/xtriage.sh) into MODULEDIR and
#     has install.netboot and install.statelite put it in the initrd as /lib/xtriage.sh;
#   - in xcatroot, after `. /lib/dracut-lib.sh`, sources it (MN from the kernel's XCAT=,
#     fail-fast off: xcatroot retries a failed download itself; the log in
#     /run/initramfs/xtriage-node.log, which the booted system still has in /run);
#   - turns the download (`wget -nv $imgurl` in dracut_033, `curl --fail $imgurl -o
#     $FILENAME` in dracut_047) into a step `rootimg-download` (timeout
#     XTRIAGE_ROOTIMG_TIMEOUT, 1800 s): each try's status, duration and the client's error
#     (404, refused, timeout) reach the MN by IP.
# Without /lib/xtriage.sh in the initrd xcatroot runs wget as before. Running it twice
# changes nothing more. Then: geninitrd (README).

dir=${1:?usage: dracut-xcatroot-hook.sh MODULEDIR [LIB]}
lib=${2:-/install/postscripts/xtriage.sh}
root=$dir/xcatroot
[ -f "$root" ] || {
	echo "dracut-xcatroot-hook: no xcatroot in $dir" >&2
	exit 1
}
# shellcheck disable=SC2016 # $imgurl is xcatroot's text, not ours
grep -q '^# xtriage' "$root" || grep -q -e '^[[:space:]]*if ! wget -nv $imgurl; then' -e '^[[:space:]]*if ! curl --fail $imgurl ' "$root" || {
	echo "dracut-xcatroot-hook: xcatroot has no 'if ! wget -nv \$imgurl; then' or 'if ! curl --fail \$imgurl' line (another xCAT version?): not changed" >&2
	exit 1
}
cp "$lib" "$dir/xtriage.sh" || exit 1

for f in "$dir/install.netboot" "$dir/install.statelite"; do
	[ -f "$f" ] || continue
	grep -q 'xtriage.sh' "$f" && continue
	# shellcheck disable=SC2016 # $moddir is dracut's, expanded when it builds the initrd
	printf '%s\n' 'inst "$moddir/xtriage.sh" "/lib/xtriage.sh"' >>"$f" || exit 1
done

if ! grep -q '^# xtriage' "$root"; then
	# Quoted here-document: inserted as is.
	block=$(
		cat <<'EOF'
# xtriage (node/dracut-xcatroot-hook.sh): the root image download is a step
xtdr_get() {
    if command -v xt_run >/dev/null 2>&1; then
        xt_run rootimg-download "${XTRIAGE_ROOTIMG_TIMEOUT:-1800}" "$@"
    else
        "$@"
    fi
}
if [ -f /lib/xtriage.sh ]; then
    XTRIAGE_PHASE=initrd XTRIAGE_FAILFAST=0
    XTRIAGE_LOG=${XTRIAGE_LOG:-/run/initramfs/xtriage-node.log}
    export XTRIAGE_PHASE XTRIAGE_FAILFAST XTRIAGE_LOG
    . /lib/xtriage.sh
fi
EOF
	)
	tmp=$root.xtriage.$$
	awk -v block="$block" '
	{ print }
	!done && /^\. \/lib\/dracut-lib\.sh/ { print block; done = 1 }' "$root" |
		sed -e 's/^\([[:space:]]*\)if ! wget -nv /\1if ! xtdr_get wget -nv /' -e 's/^\([[:space:]]*\)if ! curl --fail /\1if ! xtdr_get curl --fail /' >"$tmp" || exit 1
	grep -q '^xtdr_get()' "$tmp" || {
		rm -f "$tmp"
		echo "dracut-xcatroot-hook: no '. /lib/dracut-lib.sh' line in xcatroot: not changed" >&2
		exit 1
	}
	cat "$tmp" >"$root" && rm -f "$tmp"
fi
exit 0
