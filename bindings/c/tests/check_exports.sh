#!/bin/sh
# libtenet.so must export the C ABI of tenet.h and nothing else: every
# dynamic symbol it defines starts with tenet_, and the API is all there.
set -eu
library=$1
header=$2
defined=$(nm -D --defined-only "$library" | awk '{print $3}')
others=$(printf '%s\n' "$defined" | grep -v '^tenet_' | grep -v '^$' || true)
if [ -n "$others" ]; then
  echo "libtenet.so exports symbols outside the C ABI:"; echo "$others"; exit 1
fi
declared=$(grep -o 'tenet_[a-z_]*(' "$header" | tr -d '(' | sort -u)
for name in $declared; do
  printf '%s\n' "$defined" | grep -qx "$name" || { echo "missing from libtenet.so: $name"; exit 1; }
done
echo "libtenet.so exports exactly the $(printf '%s\n' "$declared" | wc -l) functions of tenet.h"
