#!/bin/sh
# version.sh: the build's identity for results files (meson's vcs_tag runs it on every build).
# The commit, and "-dirty-<hash>" only when what is compiled differs from it: the C sources,
# headers and build files. Results files, notebooks and docs changed in the working tree (a
# sweep writes its results file while the next build is made) do not make a build dirty; and
# two builds from different uncommitted sources get different names (the hash of their diff).
cd "$(dirname "$0")/.." || exit 1
commit=$(git rev-parse --short=12 HEAD 2>/dev/null) || { echo unknown; exit 0; }
paths="src include meson.build meson_options.txt"
if git diff --quiet HEAD -- $paths && [ -z "$(git ls-files --others --exclude-standard -- $paths)" ]; then
  echo "$commit"
else
  diff=$( { git diff HEAD -- $paths; git ls-files --others --exclude-standard -- $paths |
            while read -r f; do cat "$f"; done; } | sha1sum | cut -c1-8)
  echo "$commit-dirty-$diff"
fi
