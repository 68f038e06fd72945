# Sourced by scripts/setup.sh and scripts/test.sh (not run on its own): set-up steps
# that are skipped when their inputs did not change since they last finished.
#
# A step's stamp, build/stamps/NAME, holds the key it finished with: a hash of its
# inputs (source files, tool versions) and of the outputs it left (a wheel, a
# library), so a changed input or an output replaced or deleted since runs it again.
# The stamp is removed before the step runs and written only once it has succeeded:
# a step that failed half way runs again. A clean checkout has no stamps, so it does
# everything; UPLINK_REBUILD=1 does everything too.

STAMPS="${STAMPS:-build/stamps}"

# stamp_fresh NAME KEY: step NAME last finished with this KEY (never under UPLINK_REBUILD).
stamp_fresh() {
	[[ -z "${UPLINK_REBUILD:-}" && -f "$STAMPS/$1" && "$(<"$STAMPS/$1")" == "$2" ]]
}

stamp_clear() {
	rm -f "$STAMPS/$1"
}

# stamp_done NAME KEY: step NAME finished with KEY.
stamp_done() {
	mkdir -p "$STAMPS"
	printf '%s\n' "$2" >"$STAMPS/$1.tmp"
	mv -f "$STAMPS/$1.tmp" "$STAMPS/$1"
}

# hash_files FILE...: one hash of the named files' names and contents ("none" for a
# file that does not exist).
hash_files() {
	local f
	for f in "$@"; do
		if [[ -f $f ]]; then sha256sum -- "$f"; else echo "none  $f"; fi
	done | sha256sum | cut -d' ' -f1
}

# hash_sources PATH...: one hash of every file under the PATHs that git sees (tracked,
# or untracked and not ignored: built files such as libuplinkc.so do not count).
# Outside a git checkout a fresh value each time, so nothing is skipped there.
hash_sources() {
	if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		echo "no-git-$$-$RANDOM$RANDOM"
		return
	fi
	local files=() f
	while IFS= read -r -d '' f; do
		[[ -f $f ]] && files+=("$f")  # a tracked file deleted in the work tree
	done < <(git ls-files -z --cached --others --exclude-standard -- "$@" | sort -z)
	hash_files "${files[@]}"
}

# What goes into a wheel, and so into its key.
WHEEL_SOURCES=(libuplinkc uplink_python setup.py pyproject.toml MANIFEST.in README.md LICENSE
	library.md tutorial.md hello_storj.py scripts/build-dist.sh)

# wheel_file TARGET: the wheel scripts/build-dist.sh makes for TARGET (may not exist).
wheel_file() {
	local tag
	case "$1" in
		linux-x86_64) tag=manylinux_2_17_x86_64 ;;
		linux-aarch64) tag=manylinux_2_17_aarch64 ;;
		linux-musl-x86_64) tag=musllinux_1_2_x86_64 ;;
		windows-amd64) tag=win_amd64 ;;
		*) echo "stamps.sh: no wheel target $1" >&2; return 1 ;;
	esac
	local version match
	version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
	match=$(compgen -G "dist/uplink_python-$version-py3-none-*$tag.whl" | head -n 1) || true
	echo "${match:-dist/uplink_python-$version-py3-none-$tag.whl}"
}

# build_wheels TARGET...: scripts/build-dist.sh for the targets whose wheel is missing
# or was built from other sources or another Go.
build_wheels() {
	local sources target stale=() key
	sources="$(hash_sources "${WHEEL_SOURCES[@]}") $(go version)"
	for target in "$@"; do
		key="$sources $(hash_files "$(wheel_file "$target")")"
		if stamp_fresh "wheel-$target" "$key"; then
			echo "stamps: $(wheel_file "$target") is up to date (skipped; UPLINK_REBUILD=1 rebuilds)" >&2
		else
			stamp_clear "wheel-$target"
			stale+=("$target")
		fi
	done
	((${#stale[@]})) || return 0
	scripts/build-dist.sh "${stale[@]}"
	for target in "${stale[@]}"; do
		stamp_done "wheel-$target" "$sources $(hash_files "$(wheel_file "$target")")"
	done
}
