# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# scripts/lib.sh - shared by scripts/test and scripts/fuzz (sourced, not run).
#
# Provides:
#   mmt_cd_root            cd to the repository root (the parent of scripts/)
#   ensure_deps PKG...     make sure the Debian packages are installed: as root
#                          apt-get installs what is missing; otherwise prints
#                          the exact command and exits 3 (3 = the
#                          environment, as in README.md's exit codes). Without dpkg-query (not Debian) it
#                          checks the commands the build needs instead.
#   MMT_BASE_PKGS          what every build needs, including the runtime
#                          libraries of the built-in peers (MMT_PEER_PKGS).
#   MMT_PEER_PKGS          jemalloc, mimalloc, tcmalloc: dlopen'ed by soname
#                          at run time (adapters/peers.c), so no -dev package
#                          is needed; glibc's malloc comes with libc6.

# shellcheck disable=SC2034 # used by the scripts that source this
MMT_PEER_PKGS=(libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4)
# shellcheck disable=SC2034
MMT_BASE_PKGS=(cmake make clang llvm libclang-rt-14-dev pkg-config
	libcriterion-dev git "${MMT_PEER_PKGS[@]}")

mmt_cd_root() {
	local here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	cd "$here/.." || exit 3
}

# The commands behind the packages, for systems without dpkg.
mmt_pkg_command() {
	case "$1" in
	cmake) echo cmake ;;
	make) echo make ;;
	clang) echo clang ;;
	llvm) echo llvm-symbolizer ;;
	pkg-config) echo pkg-config ;;
	git) echo git ;;
	afl++) echo afl-fuzz ;;
	*) echo "" ;;
	esac
}

mmt_pkg_installed() {
	local pkg=$1 cmd
	if command -v dpkg-query >/dev/null 2>&1; then
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
			grep -q "install ok installed" && return 0
		# A versioned alternative (clang-14 for clang) still counts when
		# the command is there.
		cmd=$(mmt_pkg_command "$pkg")
		[ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1 && return 0
		return 1
	fi
	cmd=$(mmt_pkg_command "$pkg")
	[ -z "$cmd" ] && return 0 # cannot tell without dpkg: assume present
	command -v "$cmd" >/dev/null 2>&1
}

ensure_deps() {
	local missing=() pkg
	for pkg in "$@"; do
		mmt_pkg_installed "$pkg" || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "installing missing packages: ${missing[*]}" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update && apt-get install -y "${missing[@]}"
		return 0
	fi
	echo "missing packages: ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
	exit 3
}
